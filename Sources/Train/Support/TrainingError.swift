/// What went wrong in training, data loading or checkpoints, naming the file or value at fault.
public enum TrainingError: Error, Equatable, Sendable {
  /// A file that should exist does not.
  case fileNotFound(path: String)
  /// A file exists but could not be read or written.
  case unreadable(path: String, reason: String)
  /// An IDX data file is malformed: bad magic number, truncated, wrong shape, trailing bytes.
  case badDataFile(path: String, reason: String)
  /// Data files that disagree with each other or with the model (counts, shapes, label range).
  case mismatchedData(String)
  /// A checkpoint that cannot be loaded, and why.
  case badCheckpoint(path: String, reason: String)
  /// Operands given to a layer's rules by name that are missing or have the wrong shape.
  case badOperands(block: String, reason: String)
  /// A training setting out of range (batch size, learning rate, ...).
  case invalidConfiguration(String)
  /// The loss stopped being a finite number.
  case diverged(epoch: Int, step: Int, loss: Double)
  /// Work that would need more memory than the machine has, refused before allocating it.
  case tooLarge(String)
  /// A checkpoint that cannot continue this run: no training state, or another recipe or data.
  case cannotResume(path: String, reason: String)
}

extension TrainingError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .fileNotFound(let path):
      return "\(path): no such file"
    case .unreadable(let path, let reason):
      return "\(path): \(reason)"
    case .badDataFile(let path, let reason):
      return "\(path): not a valid IDX file: \(reason)"
    case .mismatchedData(let reason):
      return "data mismatch: \(reason)"
    case .badCheckpoint(let path, let reason):
      return "\(path): invalid checkpoint: \(reason)"
    case .badOperands(let block, let reason):
      return "layer '\(block)': \(reason)"
    case .invalidConfiguration(let reason):
      return "invalid training configuration: \(reason)"
    case .diverged(let epoch, let step, let loss):
      return "training diverged: the loss is \(loss) at epoch \(epoch), step \(step) (try a smaller learning rate)"
    case .tooLarge(let reason):
      return "too large: \(reason)"
    case .cannotResume(let path, let reason):
      return "\(path): cannot resume: \(reason)"
    }
  }
}
