import Foundation
import Train

/// Where a training step's time goes: each layer's forward and backward (and the fan-out sums of a graph) timed separately over
/// `steps` steps of `batch` examples (after one untimed step that sizes the workspaces), printed as
/// a table of milliseconds per step. The steps run the trainer's own `computeGradients`, so the
/// total is a step's time without the optimizer.
func profileLayers(_ model: Sequential, on data: Dataset, batch: Int, steps: Int) {
  let width = model.inputWidth
  var input = [Float](repeating: 0, count: batch * width)
  var labels = [Int32](repeating: 0, count: batch)
  let pixels = data.pixels ?? []
  for r in 0..<batch {
    let example = r % data.count
    for k in 0..<width { input[r * width + k] = pixels.isEmpty ? 0 : Float(pixels[example * width + k]) / 255 }
    labels[r] = data.labels[example]
  }
  let count = model.kernels.count
  var forwardTime = [Double](repeating: 0, count: count)
  var backwardTime = [Double](repeating: 0, count: count)
  var sumTime = 0.0
  var stepTime = 0.0
  // The trainer's own step (`computeGradients`), graph-shaped or not, timed through its hook;
  // the loss is what the step took beyond its layers and fan-out sums.
  input.withUnsafeMutableBufferPointer { xs in
    labels.withUnsafeBufferPointer { ys in
      let x0 = UnsafeMatrix(xs.baseAddress!, rows: batch, columns: width)
      model.reserve(batchCapacity: batch)
      for step in 0...steps {
        let timed = step > 0
        model.stepTimer = { part, node, nanoseconds in
          guard timed else { return }
          switch part {
          case .forward: forwardTime[node] += Double(nanoseconds)
          case .backward: backwardTime[node] += Double(nanoseconds)
          case .fanOutSum: sumTime += Double(nanoseconds)
          }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        _ = model.computeGradients(x0, labels: ys)
        if timed { stepTime += Double(DispatchTime.now().uptimeNanoseconds - start) }
      }
      model.stepTimer = nil
    }
  }
  let lossTime = stepTime - forwardTime.reduce(0, +) - backwardTime.reduce(0, +) - sumTime
  let perStep = 1e-6 / Double(steps)
  let total = stepTime * perStep
  print("per step of \(batch) examples, mean of \(steps) steps (ms); \(String(format: "%.0f", Double(batch) / total * 1000)) examples/s without the optimizer")
  print("layer".padding(toLength: 28, withPad: " ", startingAt: 0) + "   forward  backward    share")
  for (k, layer) in model.kernels.enumerated() {
    let (f, b) = (forwardTime[k] * perStep, backwardTime[k] * perStep)
    let label = "\(layer.name) (\(type(of: layer)))".padding(toLength: 28, withPad: " ", startingAt: 0)
    print(label + String(format: " %9.2f %9.2f %7.1f%%", f, b, 100 * (f + b) / total))
  }
  if sumTime > 0 {
    print("fan-out sums".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %9s %9.2f %7.1f%%", "", sumTime * perStep, 100 * sumTime * perStep / total))
  }
  print("loss and the rest".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %9.2f %9s %7.1f%%", lossTime * perStep, "", 100 * lossTime * perStep / total))
  print("total".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %9.2f", total))
}
