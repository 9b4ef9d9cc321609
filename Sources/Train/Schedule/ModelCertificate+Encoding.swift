public import Certificates
import Foundation

/// The model certificate as a JSON document (Docs/CertificateFormat.md, "Model certificates"):
/// `format`, the `statement` text, the `derivation` (an ordinary certificate file's text,
/// `Certificate.encoded()`), and `parameters`, each a `name`, the `step` of the derivation that
/// proves its theorem and that theorem's `sha256`. Keys sorted, so the text is deterministic.
extension ModelCertificate {
  private struct Document: Codable {
    var format: String
    var statement: String
    var derivation: String
    var parameters: [Entry]
    struct Entry: Codable {
      var name: String
      var step: Int
      var sha256: String
    }
  }

  private struct Header: Codable { var format: String }

  public func encoded() -> String {
    let document = Document(format: Self.format, statement: statement, derivation: derivation.encoded(),
                            parameters: parameters.map { .init(name: $0.name, step: $0.step, sha256: $0.sha256) })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try! encoder.encode(document), as: UTF8.self)
  }

  /// The format of an encoded model certificate, when it is one of `supersededFormats` (nil
  /// otherwise): a checkpoint carrying such a certificate loads without it.
  public static func supersededFormat(of text: String) -> String? {
    guard let header = try? JSONDecoder().decode(Header.self, from: Data(text.utf8)), supersededFormats.contains(header.format) else { return nil }
    return header.format
  }

  /// Reads an encoded model certificate; nothing is replayed here (`verify` does that).
  /// - Throws: `ModelCertificateError.malformed` saying what is wrong.
  public init(decoding text: String) throws {
    switch try Self.read(text) {
    case let .current(certificate): self = certificate
    case let .superseded(old):
      throw ModelCertificateError.malformed("format \"\(old)\" (one derivation per parameter) is superseded; this program reads \"\(Self.format)\"")
    }
  }

  /// What an encoded model certificate holds: one in this format, or the name of a superseded one.
  enum Reading {
    case current(ModelCertificate)
    case superseded(String)
  }

  /// Reads an encoded model certificate with one pass of the JSON decoder where it is in this
  /// format (the text of a ResNet's is megabytes): the format is read apart only when the
  /// document is not one of this format's.
  /// - Throws: `ModelCertificateError.malformed` saying what is wrong.
  static func read(_ text: String) throws -> Reading {
    let document: Document
    do { document = try JSONDecoder().decode(Document.self, from: Data(text.utf8)) } catch {
      if let old = supersededFormat(of: text) { return .superseded(old) }
      throw ModelCertificateError.malformed("not a model certificate document (\(error))")
    }
    if supersededFormats.contains(document.format) { return .superseded(document.format) }
    guard document.format == Self.format else {
      throw ModelCertificateError.malformed("format \"\(document.format)\", this program reads \"\(Self.format)\"")
    }
    let derivation: Certificate
    do { derivation = try Certificate(decoding: document.derivation) } catch {
      throw ModelCertificateError.malformed("the derivation: \(error)")
    }
    return .current(ModelCertificate(statement: document.statement, derivation: derivation,
                                     parameters: document.parameters.map { Parameter(name: $0.name, step: $0.step, sha256: $0.sha256) }))
  }
}
