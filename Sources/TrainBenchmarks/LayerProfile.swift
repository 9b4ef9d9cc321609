import Foundation
import Train

/// Where a training step's time goes: each layer's forward and backward timed separately over
/// `steps` steps of `batch` examples (after one untimed step that sizes the workspaces), printed as
/// a table of milliseconds per step. The steps run the trainer's own loop (`computeGradients`),
/// layer by layer, so the sum is a step's time without the optimizer.
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
  var lossTime = 0.0
  let firstTrainable = model.layers.firstIndex { !$0.parameters.isEmpty } ?? count
  input.withUnsafeMutableBufferPointer { xs in
    labels.withUnsafeBufferPointer { ys in
      let x0 = UnsafeMatrix(xs.baseAddress!, rows: batch, columns: width)
      model.reserve(batchCapacity: batch)
      for step in 0...steps {
        let timed = step > 0
        var x = x0
        for (k, layer) in model.kernels.enumerated() {
          let start = DispatchTime.now().uptimeNanoseconds
          x = layer.forward(x, training: true)
          if timed { forwardTime[k] += Double(DispatchTime.now().uptimeNanoseconds - start) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var g = model.lossKernels.evaluate(x, labels: ys, withGradient: true).gradient!
        if timed { lossTime += Double(DispatchTime.now().uptimeNanoseconds - start) }
        for k in stride(from: count - 1, through: firstTrainable, by: -1) {
          let start = DispatchTime.now().uptimeNanoseconds
          let next = model.kernels[k].backward(g, needsInputGradient: k > firstTrainable)
          if timed { backwardTime[k] += Double(DispatchTime.now().uptimeNanoseconds - start) }
          guard let next else { break }
          g = next
        }
      }
    }
  }
  let perStep = 1e-6 / Double(steps)
  let total = (forwardTime.reduce(0, +) + backwardTime.reduce(0, +) + lossTime) * perStep
  print("per step of \(batch) examples, mean of \(steps) steps (ms); \(String(format: "%.0f", Double(batch) / total * 1000)) examples/s without the optimizer")
  print("layer".padding(toLength: 28, withPad: " ", startingAt: 0) + "   forward  backward    share")
  for (k, layer) in model.kernels.enumerated() {
    let (f, b) = (forwardTime[k] * perStep, backwardTime[k] * perStep)
    let label = "\(layer.name) (\(type(of: layer)))".padding(toLength: 28, withPad: " ", startingAt: 0)
    print(label + String(format: " %9.2f %9.2f %7.1f%%", f, b, 100 * (f + b) / total))
  }
  print("loss".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %9.2f %9s %7.1f%%", lossTime * perStep, "", 100 * lossTime * perStep / total))
  print("total".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %9.2f", total))
}
