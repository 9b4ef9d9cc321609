import Algebra
import Certificates
import Foundation
import ProofKernel
import Testing
@testable import Train

/// The trainer's refusal: a model is built only over rules whose certificates replay to exactly the
/// statements its code implements.
@Suite("Certification of the trainer's rules")
struct CertificationTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let store = CertificateStore(directory: root.appendingPathComponent("Certificates"))
  let mlp: [(name: String, rules: [String])] = [
    ("dense1", Dense.ruleNames), ("relu1", ReLU.ruleNames), ("dense2", Dense.ruleNames), ("loss", SoftmaxCrossEntropy.ruleNames),
  ]

  /// The compiled-in statements are those of Theorems/layers.thm and Theorems/cnn.thm.
  @Test func compiledRulesAreTheCatalogues() throws {
    var catalogue: [String: Statement] = [:]
    for file in CompiledRules.sources {
      let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
      for s in try TheoremLanguage.parse(text, file: file).statements {
        #expect(catalogue.updateValue(s, forKey: s.name) == nil, "\(s.name) is stated twice")
        #expect(RuleCertification.source(of: s.name) == file)
      }
    }
    #expect(Set(catalogue.keys) == Set(RuleCertification.statements.keys))
    for (name, s) in catalogue {
      let expected = try #require(try RuleCertification.expected(name))
      #expect(expected.serialization == (try Theorem.serialization(hypotheses: s.hypotheses, lhs: s.lhs, rhs: s.rhs)), "\(name)")
    }
  }

  @Test func everyTrainerLayerIsCertified() throws {
    let all: [(name: String, rules: [String])] = [
      ("dense", Dense.ruleNames), ("relu", ReLU.ruleNames), ("sigmoid", Sigmoid.ruleNames), ("tanh", Tanh.ruleNames),
      ("dropout", Dropout.ruleNames), ("softmax", SoftmaxCrossEntropy.ruleNames), ("mse", MeanSquaredError.ruleNames),
      ("add", Add.ruleNames), ("mul", Mul.ruleNames),
    ]
    let hashes = try RuleCertification.verify(all, store: Self.store)
    #expect(hashes.count == all.flatMap(\.rules).count)
    #expect(hashes.values.allSatisfy { $0.sha256.count == 64 })
  }

  /// Every max pooling's rule is bound to its certificate (by hash, replayed), and a model using
  /// one is refused without it, naming the layer.
  @Test(arguments: [(MaxPool2Stride1.self as MaxPool.Type, "maxpool 2 stride 1"), (MaxPool3Stride1.self, "maxpool 3 stride 1"), (MaxPool3Stride2.self, "maxpool 3 stride 2")])
  func everyMaxPoolingIsCertifiedAndRefusedWithoutItsCertificate(kind: MaxPool.Type, statement: String) throws {
    let hashes = try RuleCertification.verify([("maxpool1", kind.ruleNames)], store: Self.store)
    #expect(hashes.keys.sorted() == [kind.certifiedBlock + ".x"])
    let dir = try copyOfStore()
    let folder = String(kind.certifiedBlock)
    try FileManager.default.removeItem(at: dir.appendingPathComponent("\(folder)/\(folder).x.json"))
    let spec = try ModelSpec(parsing: "input 1x6x6\n\(statement)\nflatten\ndense 2\nloss mse")
    #expect(throws: CertificationError.self) { try Sequential(spec, seed: 1, certificates: CertificateStore(directory: dir)) }
    let model = try Sequential(spec, seed: 1, certificates: Self.store)
    #expect(model.certificateHashes[kind.certifiedBlock + ".x"] == hashes[kind.certifiedBlock + ".x"]?.sha256)
  }

  func copyOfStore() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-store-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: Self.store.directory, to: url)
    return url
  }

  func refusal(_ store: CertificateStore) -> CertificationError? {
    do { _ = try RuleCertification.verify(mlp, store: store); return nil } catch { return error as? CertificationError }
  }

  @Test func missingCertificateIsRefusedNamingTheLayer() throws {
    let dir = try copyOfStore()
    try FileManager.default.removeItem(at: dir.appendingPathComponent("layers/relu.x.json"))
    let error = try #require(refusal(CertificateStore(directory: dir)))
    #expect(error.layer == "relu1" && error.position == 1 && error.rule == "relu.x" && error.reason == .missing(looked: "the folder \(dir.path)"))
    #expect(error.description.contains("layer relu1 at position 1"))
  }

  @Test func tamperedCertificateIsRefused() throws {
    let dir = try copyOfStore()
    let file = dir.appendingPathComponent("layers/dense.W.json")
    var text = try String(contentsOf: file, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"rule\": \"sum-prenex\"", with: "\"rule\": \"sum-merge\"")
    if !text.contains("sum-merge") { text = text.replacingOccurrences(of: "\"rule\": \"ring\"", with: "\"rule\": \"sum-linear\"") }
    try text.write(to: file, atomically: true, encoding: .utf8)
    let error = try #require(refusal(CertificateStore(directory: dir)))
    #expect(error.layer == "dense1" && error.position == 0 && error.rule == "dense.W")
    guard case .rejected = error.reason else { Issue.record("\(error)"); return }
  }

  /// A valid certificate of another statement under the rule's name: the ReLU rule without its
  /// side condition is false, so take a true but different one (the mask on dy instead of x is
  /// false too); here, dense.b's certificate stored as dense.W's.
  @Test func staleCertificateIsRefused() throws {
    let dir = try copyOfStore()
    // Prove a different (true) statement named dense.x and put its certificate in place.
    let text = """
      layer dense(I, O)
        input x[I]
        param W[O, I], b[O]
        output y[o: O] = sum(i: I) W[o, i] * x[i] + b[o] + 0 * x[0]
        vjp x[i] = sum(o: O) W[o, i] * dy[o]
      """
    let document = try TheoremLanguage.parse(text, file: "Theorems/layers.thm")
    let outcome = Prover.prove(document.statements[0])
    let theorem = try #require(outcome.theorem)
    let certificate = try Certificate(name: "dense.x", source: "Theorems/layers.thm", theorem: theorem, steps: outcome.steps)
    try CertificateStore(directory: dir).write(certificate)
    let error = try #require(refusal(CertificateStore(directory: dir)))
    #expect(error.rule == "dense.x")
    guard case .stale = error.reason else { Issue.record("\(error)"); return }
  }
}
