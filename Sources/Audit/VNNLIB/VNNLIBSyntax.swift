/// The S-expressions of a VNN-LIB file (the SMT-LIB 2 subset VNN-COMP uses), each with the line and
/// column where it starts, for errors a user can find.
indirect enum VNNLIBExpression: Equatable {
  case atom(String, VNNLIBPosition)
  case list([VNNLIBExpression], VNNLIBPosition)

  var position: VNNLIBPosition {
    switch self {
    case .atom(_, let p), .list(_, let p): return p
    }
  }
}

/// A place in a VNN-LIB file, from 1.
struct VNNLIBPosition: Equatable, CustomStringConvertible {
  let line: Int
  let column: Int
  var description: String { "\(line):\(column)" }
}

/// Why a VNN-LIB file was refused, with the place.
public struct VNNLIBError: Error, Equatable, CustomStringConvertible {
  public let path: String
  public let line: Int
  public let column: Int
  public let reason: String

  init(_ path: String, _ position: VNNLIBPosition, _ reason: String) {
    self.path = path
    line = position.line
    column = position.column
    self.reason = reason
  }

  public var description: String { "\(path):\(line):\(column): \(reason)" }
}

/// Reads the top-level S-expressions of `text`. `;` starts a comment to the end of the line.
func readExpressions(_ text: String, path: String) throws(VNNLIBError) -> [VNNLIBExpression] {
  var stack: [(items: [VNNLIBExpression], start: VNNLIBPosition)] = [([], VNNLIBPosition(line: 1, column: 1))]
  var line = 1, column = 0
  var token = "", tokenStart = VNNLIBPosition(line: 1, column: 1)
  var inComment = false
  func flush() {
    guard !token.isEmpty else { return }
    stack[stack.count - 1].items.append(.atom(token, tokenStart))
    token = ""
  }
  for character in text {
    column += 1
    if character == "\n" { flush(); inComment = false; line += 1; column = 0; continue }
    if inComment { continue }
    let here = VNNLIBPosition(line: line, column: column)
    switch character {
    case ";": flush(); inComment = true
    case "(": flush(); stack.append(([], here))
    case ")":
      flush()
      guard stack.count > 1 else { throw VNNLIBError(path, here, "')' closes nothing") }
      let done = stack.removeLast()
      stack[stack.count - 1].items.append(.list(done.items, done.start))
    case " ", "\t", "\r": flush()
    default:
      if token.isEmpty { tokenStart = here }
      token.append(character)
    }
  }
  flush()
  guard stack.count == 1 else { throw VNNLIBError(path, stack.last!.start, "'(' is never closed") }
  return stack[0].items
}
