public import Certificates
import Foundation

/// The model certificate as a JSON document (Docs/CertificateFormat.md, "Model certificates"):
/// `format`, the `statement` text, and `parameters`, each a `name` and the `certificate` file's
/// text (an ordinary certificate, `Certificate.encoded()`). Keys sorted, so the text is
/// deterministic.
extension ModelCertificate {
  private struct Document: Codable {
    var format: String
    var statement: String
    var parameters: [Entry]
    struct Entry: Codable {
      var name: String
      var certificate: String
    }
  }

  public func encoded() -> String {
    let document = Document(format: Self.format, statement: statement,
                            parameters: parameters.map { .init(name: $0.name, certificate: $0.certificate.encoded()) })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try! encoder.encode(document), as: UTF8.self)
  }

  /// Reads an encoded model certificate; nothing is replayed here (`verify` does that).
  /// - Throws: `ModelCertificateError.malformed` saying what is wrong.
  public init(decoding text: String) throws {
    let document: Document
    do { document = try JSONDecoder().decode(Document.self, from: Data(text.utf8)) } catch {
      throw ModelCertificateError.malformed("not a model certificate document (\(error))")
    }
    guard document.format == Self.format else {
      throw ModelCertificateError.malformed("format \"\(document.format)\", this program reads \"\(Self.format)\"")
    }
    statement = document.statement
    parameters = try document.parameters.map { entry in
      do { return Parameter(name: entry.name, certificate: try Certificate(decoding: entry.certificate)) } catch {
        throw ModelCertificateError.malformed("the certificate of \(entry.name): \(error)")
      }
    }
  }
}
