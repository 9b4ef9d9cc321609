/// Text from a file or a command line as an error message quotes it: cut to a readable length.
///
/// A name or token comes from input, and input can be anything — a certificate named by a 1 GB
/// string must not print a 1 GB error line. Messages quote names through `MessageText.cut`, which
/// keeps the first `limit` characters and says how many were left out:
///
/// ```swift
/// MessageText.cut(String(repeating: "a", count: 1_000))   // 80 a, then "… (1000 bytes)"
/// ```
public enum MessageText {
  /// The length past which a quoted name is cut, in characters.
  public static let limit = 80

  /// `text` itself when it has at most `limit` characters; else its first `limit` characters, an
  /// ellipsis, and its length.
  public static func cut<S: StringProtocol>(_ text: S, to limit: Int = MessageText.limit) -> String {
    // Counting stops at limit + 1: a huge string is not walked to its end to learn its length
    // unless it is cut, and then utf8.count is O(1) for native strings.
    guard text.index(text.startIndex, offsetBy: limit + 1, limitedBy: text.endIndex) != nil else { return String(text) }
    return String(text.prefix(limit)) + "… (\(text.utf8.count) bytes)"
  }
}
