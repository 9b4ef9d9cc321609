import Foundation
import Testing
@testable import Train

/// `Checkpoint.checkModelCertificate(contentsOf:)`, the work of `certify check --model`: the
/// statement written on another thread while the certificate is decoded gives the outcome of
/// reading the file and then `checkModelCertificate()`, accepted or refused alike.
@Suite("Model check from a file")
struct ModelCheckFromFileTests {
  static let mlp = ModelCertificateTests.mlp

  /// Writes `checkpoint` to a fresh file and checks it both ways: the two outcomes.
  func bothWays(_ checkpoint: Checkpoint) throws -> (fromFile: Result<ModelCertificate.Check, any Error>, loaded: Result<ModelCertificate.Check, any Error>) {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("model.ckpt").path
    try checkpoint.write(to: path)
    let fromFile = try Checkpoint.checkModelCertificate(contentsOf: path)
    let loaded = Result { try Checkpoint(contentsOf: path).checkModelCertificate() }
    return (fromFile, loaded)
  }

  @Test func aGoodCheckpointIsAcceptedAsWhenLoaded() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let (fromFile, loaded) = try bothWays(Checkpoint(model: model))
    let check = try fromFile.get()
    #expect(check.parameters == 4 && check.steps == model.modelCertificate?.steps)
    #expect(check.steps == (try loaded.get()).steps)
  }

  /// Refused by the replay, naming the same place as the check of the loaded checkpoint.
  @Test func aTamperedCertificateIsRefusedAsWhenLoaded() throws {
    let (fromFile, loaded) = try bothWays(ModelCertificateTests.checkpointWithATruncatedCertificate())
    guard case let .failure(error) = fromFile, case let .failure(expected) = loaded else {
      Issue.record("a tampered model certificate was accepted")
      return
    }
    #expect("\(error)" == "\(expected)")
    #expect("\(error)".contains("parameter dense1.b"), "\(error)")
  }

  /// Another spec's statement: the certificate of the MLP carried by a checkpoint of a model of
  /// the same parameters but another activation is refused at the statement.
  @Test func anotherModelsCertificateIsRefusedAtTheStatement() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let other = try Sequential(try ModelSpec(parsing: Self.mlp.replacingOccurrences(of: "relu", with: "tanh")), seed: 1, certificates: testStore)
    var checkpoint = Checkpoint(model: other)
    checkpoint.modelCertificate = model.modelCertificate
    let (fromFile, loaded) = try bothWays(checkpoint)
    guard case let .failure(error) = fromFile, case .failure = loaded else {
      Issue.record("another model's certificate was accepted")
      return
    }
    #expect("\(error)".contains("the statement"), "\(error)")
  }

  @Test func aCheckpointWithoutOneIsRefusedSayingWhy() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    var checkpoint = Checkpoint(model: model)
    checkpoint.modelCertificate = nil
    let (fromFile, loaded) = try bothWays(checkpoint)
    #expect(throws: ModelCertificateError.missing("the checkpoint carries no model certificate (written before model certificates; one is built when the model is loaded)")) {
      try fromFile.get()
    }
    #expect(throws: ModelCertificateError.self) { try loaded.get() }
  }

  /// A file that is not a checkpoint is an error of reading, not an outcome of the check.
  @Test func aFileThatIsNotACheckpointThrows() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("not.ckpt").path
    #expect(throws: TrainingError.fileNotFound(path: path)) { try Checkpoint.checkModelCertificate(contentsOf: path) }
    try Data("CRTFYCKP".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: TrainingError.self) { try Checkpoint.checkModelCertificate(contentsOf: path) }
  }

  /// The statement written apart is the one a certificate of the schedule states, byte for byte.
  @Test func theStatementWrittenApartIsTheCertificates() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let stated = try ModelCertificate.Stated(model.schedule, formulas: model.formulaBlocks)
    #expect(stated.text == model.modelCertificate?.statement)
    #expect(stated.theorems.map(\.parameter) == ["dense2.W", "dense2.b", "dense1.W", "dense1.b"])
    #expect(Set(stated.statements.keys).isSuperset(of: stated.theorems.map(\.name)))
  }

  /// One pass of the JSON decoder reads a current certificate; a superseded one is named, and
  /// a document of an unknown format refused.
  @Test func readingNamesTheFormat() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let certificate = try #require(model.modelCertificate)
    let text = certificate.encoded()
    guard case let .current(read) = try ModelCertificate.read(text) else {
      Issue.record("a current certificate was not read as one")
      return
    }
    #expect(read == certificate)
    let old = text.replacingOccurrences(of: ModelCertificate.format, with: "certify-model-certificate-2")
    guard case .superseded("certify-model-certificate-2") = try ModelCertificate.read(old) else {
      Issue.record("a format-2 certificate was not named superseded")
      return
    }
    #expect(throws: ModelCertificateError.self) { try ModelCertificate(decoding: old) }
    // Format 1 had another shape: named superseded from its format field alone.
    guard case .superseded("certify-model-certificate-1") = try ModelCertificate.read("{\"format\":\"certify-model-certificate-1\",\"certificates\":[]}") else {
      Issue.record("a format-1 certificate was not named superseded")
      return
    }
    let unknown = text.replacingOccurrences(of: ModelCertificate.format, with: "certify-model-certificate-9")
    #expect(throws: ModelCertificateError.malformed("format \"certify-model-certificate-9\", this program reads \"\(ModelCertificate.format)\"")) {
      try ModelCertificate.read(unknown)
    }
  }

  /// The statement's thread hands back its value, or its error where the caller waits.
  @Test func backgroundWorkGivesItsValueOrItsError() throws {
    #expect(try Background { 6 * 7 }.value() == 42)
    #expect(throws: TrainingError.invalidConfiguration("x")) { try Background<Int> { throw TrainingError.invalidConfiguration("x") }.value() }
  }
}
