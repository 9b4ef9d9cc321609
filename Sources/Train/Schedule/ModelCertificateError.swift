/// Why a model certificate could not be built, or was refused.
public enum ModelCertificateError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The model has a node the per-example statement cannot state (named, with why): the model
  /// trains, and says it has no model certificate.
  case unsupported(node: String, reason: String)
  /// A block's text could not be read (a programming error, reported).
  case unreadableBlock(block: String, line: String)
  /// The schedule is wired so that its statement cannot be written or is not true: the place
  /// (`schedule step 2 (node dense1)`, `gradient of dense1.W at schedule step 2`) and why.
  case miswired(place: String, reason: String)
  /// The statement writer produced a statement that does not read (an internal failure to state
  /// the model, not evidence against the schedule): the layer or step it was writing, and why.
  /// The model trains, and says it has no model certificate.
  case unstated(place: String, reason: String)
  /// The engine found no proof of a theorem and no point where it is false: a limit of the engine,
  /// not evidence that the schedule is wrong (the place, and the engine's reason).
  case notProved(place: String, reason: String)
  /// The certificate does not replay, or replays to another statement than the spec's.
  case rejected(place: String, reason: String)
  /// The model certificate file cannot be read.
  case malformed(String)
  /// A checkpoint carries no model certificate (why).
  case missing(String)

  public var description: String {
    switch self {
    case let .unsupported(node, reason): return "no model certificate: node \(node): \(reason)"
    case let .unreadableBlock(block, line): return "no model certificate: the text of block \(block) cannot be read at '\(line)'"
    case let .miswired(place, reason): return "refused: the backward schedule is mis-wired at \(place): \(reason)"
    case let .unstated(place, reason): return "no model certificate: the model's statement could not be written at \(place) (an internal failure of the statement writer, not a mis-wiring): \(reason)"
    case let .notProved(place, reason): return "no model certificate: not proved at \(place) (the engine found no proof, and no point where the theorem is false): \(reason)"
    case let .rejected(place, reason): return "refused: the model certificate is rejected at \(place): \(reason)"
    case let .malformed(why): return "refused: the model certificate cannot be read: \(why)"
    case let .missing(why): return why
    }
  }
}
