import Foundation
import Train

/// Epoch lines on standard output; a progress bar on standard error when it is a terminal.
struct ProgressDisplay {
  let epochs: Int
  let batchSize: Int
  let isTerminal = isatty(STDERR_FILENO) != 0
  private var lastDraw = 0.0
  private var firstStepEnd = 0.0

  init(epochs: Int, batchSize: Int) {
    self.epochs = epochs
    self.batchSize = batchSize
  }

  mutating func show(_ event: TrainingEvent) {
    switch event {
    case .batch(let epoch, let step, let steps, let loss):
      guard isTerminal else { return }
      let now = ResourceUsage.seconds
      if step == 1 { firstStepEnd = now }
      guard now - lastDraw >= 0.1 || step == steps else { return }
      lastDraw = now
      let width = 30
      let filled = width * step / steps
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      let rate = step > 1 ? String(format: "  %.0f examples/s", Double((step - 1) * batchSize) / (now - firstStepEnd)) : ""
      let line = "epoch \(epoch)/\(epochs) [\(bar)] \(step)/\(steps)  " + String(format: "loss %.4f", loss) + rate
      FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
    case .evaluating(let epoch):
      if isTerminal {
        FileHandle.standardError.write(Data("\repoch \(epoch)/\(epochs): measuring test accuracy\u{1B}[K".utf8))
      }
    case .epoch(let report):
      if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
      let accuracy = report.testAccuracy.map { String(format: "%.2f%%", 100 * $0) } ?? "-"
      print(
        "epoch \(report.epoch)/\(epochs)  " + String(format: "loss %.4f", report.loss)
          + "  test accuracy \(accuracy)  " + String(format: "%.0f examples/s", report.examplesPerSecond))
      fflush(nil)  // all streams: epoch lines appear as they happen even through a pipe
    }
  }
}
