internal import Crypto

/// SHA-256 of a theorem's serialization, as certificates record it.
public enum CertificateHash {
  /// The lowercase hexadecimal SHA-256 digest of the UTF-8 bytes of `text`.
  ///
  /// Example: `CertificateHash.sha256(of: "")` is
  /// `e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`.
  public static func sha256(of text: String) -> String {
    let digest = SHA256.hash(data: Array(text.utf8))
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in digest {
      out.append(hex[Int(byte >> 4)])
      out.append(hex[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
