import Foundation

/// Escaping for HTML text and attribute values, and the few element helpers the pages share.
///
/// Everything that reaches a page from a theorem file, a certificate or an error message goes
/// through `HTML.escape`: a statement name or a message can hold `<`, `&` or quotes.
enum HTML {
  /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references.
  static func escape(_ text: String) -> String {
    let utf8 = text.utf8
    guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
    var out: [UInt8] = []
    out.reserveCapacity(utf8.count + 16)
    for byte in utf8 {
      switch byte {
      case 0x26: out.append(contentsOf: "&amp;".utf8)
      case 0x3C: out.append(contentsOf: "&lt;".utf8)
      case 0x3E: out.append(contentsOf: "&gt;".utf8)
      case 0x22: out.append(contentsOf: "&quot;".utf8)
      case 0x27: out.append(contentsOf: "&#39;".utf8)
      default: out.append(byte)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// A path segment for an `href`: letters, digits, `.`, `_`, `-` as they are, anything else
  /// percent-encoded (UTF-8), so a name can never leave its folder or break the attribute.
  static func pathSegment(_ name: String) -> String {
    var out = ""
    for byte in name.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
        out.unicodeScalars.append(Unicode.Scalar(byte))
      case UInt8(ascii: "."):
        out += out.isEmpty ? "%2E" : "."  // never a leading dot: no "." or ".." segment
      default:
        out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
      }
    }
    return out.isEmpty ? "%5F" : out
  }

  /// An `id` attribute value: the same characters as `pathSegment`, `%` written as `_`.
  static func identifier(_ name: String) -> String {
    pathSegment(name).replacingOccurrences(of: "%", with: "_")
  }

  /// `<a href="...">text</a>`, with both escaped.
  static func link(_ href: String, _ text: String, className: String? = nil) -> String {
    "<a href=\"\(escape(href))\"\(className.map { " class=\"\($0)\"" } ?? "")>\(escape(text))</a>"
  }
}

extension String {
  func leftPadded(to width: Int, with pad: Character = "0") -> String {
    count >= width ? self : String(repeating: pad, count: width - count) + self
  }

}
