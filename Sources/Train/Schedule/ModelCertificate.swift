public import Certificates
import Algebra
import Foundation
import ProofKernel

/// A whole model's certificate: for each parameter, the kernel-checked theorem that the gradient
/// of the model's loss with respect to it equals what the backward schedule computes
/// (`ModelStatement`), with the layers' side conditions as hypotheses (Docs/Semantics.md, "Model
/// certificates").
///
/// Each theorem is proved by the engine through the kernel's `chain` rule, one layer at a time
/// (`ChainProof`, Docs/Engine.md "Composition"), and written as an ordinary certificate; the
/// bundle holds the statement text and one certificate per parameter. `verify` replays every
/// certificate through the kernel and compares each rebuilt theorem with the statement written
/// from a spec's own schedule, so a certificate of another model, a tampered one, or one whose
/// statement was edited is refused.
///
/// ```swift
/// let model = try Sequential(spec, seed: 1, certificates: .builtIn)
/// let certificate = model.modelCertificate!          // built with the model
/// let check = try certificate.verify(against: model.schedule, formulas: model.formulaBlocks)
/// check.parameters  // 4 for a 784-256-10 MLP: dense1.W, dense1.b, dense2.W, dense2.b
/// ```
public struct ModelCertificate: Sendable, Equatable {
  /// The format this module writes and reads.
  public static let format = "certify-model-certificate-1"

  /// The statement, in the theorem language (what every certificate below proves a theorem of).
  public var statement: String
  /// Per parameter (in the order of the schedule's steps): its name in the model and the
  /// certificate of its theorem `model.<parameter>`.
  public var parameters: [Parameter]

  public struct Parameter: Sendable, Equatable {
    public var name: String
    public var certificate: Certificate
  }

  /// SHA-256 of the statement text and each parameter's theorem hash, one per line: what a
  /// checkpoint records beside it.
  public var sha256: String {
    CertificateHash.sha256(of: ([statement] + parameters.map { "\($0.name) \($0.certificate.sha256)" }).joined(separator: "\n"))
  }

  /// The total number of kernel steps.
  public var steps: Int { parameters.reduce(0) { $0 + $1.certificate.steps.count } }

  /// What a replay found.
  public struct Check: Sendable, Equatable {
    public var parameters: Int
    public var steps: Int
    public var seconds: Double
  }

  /// Proves the statement of `schedule` (formula layers' blocks given by name in `formulas`);
  /// with `cached`, a statement proved before in this process is not proved again.
  /// - Throws: `ModelCertificateError.unsupported` for a node the statement cannot state;
  ///   `.miswired` naming the step and parameter whose theorem is false (with the engine's
  ///   counterexample) or cannot be written; `.notProved` where the engine found no proof and no
  ///   counterexample.
  public static func prove(_ schedule: BackwardSchedule, formulas: [String: String] = [:], cached: Bool = true) throws -> ModelCertificate {
    let written = try ModelStatement(schedule, blocks: { try BlockText.named($0, formulas: formulas) })
    if cached, let known = cache.withLock({ $0[written.text] }) { return known }
    let statements = try written.statements()
    var parameters: [Parameter] = []
    for theorem in written.theorems {
      let place = "the gradient of \(theorem.route.parameter) (schedule step \(theorem.step), node \(schedule.nodes[schedule.steps[theorem.step].node].name))"
      guard let statement = statements[theorem.name] else { throw ModelCertificateError.miswired(place: place, reason: "no theorem \(theorem.name)") }
      let outcome = Prover.prove(statement)
      guard let proved = outcome.theorem, outcome.failure == nil else {
        throw refusal(at: place, outcome.failure)
      }
      let certificate = try Certificate(name: theorem.name, source: "<model>", theorem: proved, steps: outcome.steps)
      parameters.append(Parameter(name: theorem.route.parameter, certificate: certificate))
    }
    let result = ModelCertificate(statement: written.text, parameters: parameters)
    // Bind what was proved to what was stated before anything keeps it.
    _ = try result.verify(statement: written.text, theorems: written.theorems.map { ($0.name, $0.route.parameter) }, statements: statements)
    cache.withLock { $0[written.text] = result }
    return result
  }

  /// Why a theorem of the statement was not proved: mis-wired only where it is refuted (the engine
  /// found a counterexample, evaluated with the real functions); any other failure is the engine's.
  static func refusal(at place: String, _ failure: ProofFailure?) -> ModelCertificateError {
    let reason = failure?.description ?? "not proved"
    if case .different(_, _, .some, _) = failure { return .miswired(place: place, reason: reason) }
    return .notProved(place: place, reason: reason)
  }

  /// The first node whose block makes the proof too slow to run at every model build (the
  /// convolution and pooling blocks: minutes in a debug build; the elementwise product `mul`, whose
  /// gate doubles the paths the chain rule follows; the transformer blocks: a chain through
  /// `layernorm` took 410 s under load, through `gelu` or `softmax` seconds, and token values
  /// read by a vector block are not stated yet), or nil.
  public static func slowNode(in schedule: BackwardSchedule) -> String? {
    let slow = ["conv2d_s1", "conv2d_s2", "depthwise_conv2d_s1", "depthwise_conv2d_s2", "maxpool2_s2", "maxpool2_s1", "maxpool3_s1", "maxpool3_s2", "avgpool_s1", "avgpool_s2", "global_avgpool", "mul"]
      + CompiledRules.transformerBlocks.keys.sorted()
    return schedule.nodes.first { slow.contains($0.block) }?.name
  }

  /// Replays every certificate through the kernel and checks that together they prove exactly the
  /// statement of `schedule`: the same text, one theorem per parameter, each rebuilt theorem
  /// equal (by its serialization's SHA-256) to the statement's.
  /// - Throws: `ModelCertificateError.rejected` naming the parameter and the step at fault.
  public func verify(against schedule: BackwardSchedule, formulas: [String: String] = [:]) throws -> Check {
    let written = try ModelStatement(schedule, blocks: { try BlockText.named($0, formulas: formulas) })
    return try verify(statement: written.text, theorems: written.theorems.map { ($0.name, $0.route.parameter) }, statements: try written.statements())
  }

  private func verify(statement expected: String, theorems: [(name: String, parameter: String)], statements: [String: Statement]) throws -> Check {
    let start = Date()
    guard statement == expected else {
      let line = zip(statement.split(separator: "\n"), expected.split(separator: "\n")).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      throw ModelCertificateError.rejected(place: "the statement" + (line.map { ", line \($0 + 1)" } ?? ""), reason: "it is not the statement of this model's schedule")
    }
    guard parameters.map(\.name) == theorems.map(\.parameter) else {
      throw ModelCertificateError.rejected(place: "the parameter list", reason: "it has \(parameters.map(\.name)), the model \(theorems.map(\.parameter))")
    }
    var steps = 0
    for (parameter, theorem) in zip(parameters, theorems) {
      let place = "parameter \(parameter.name)"
      guard parameter.certificate.name == theorem.name, let s = statements[theorem.name] else {
        throw ModelCertificateError.rejected(place: place, reason: "the certificate is named \(parameter.certificate.name), not \(theorem.name)")
      }
      do {
        let expected = try Theorem.serialization(hypotheses: s.hypotheses, lhs: s.lhs, rhs: s.rhs)
        let replayed = try Replay.replay(parameter.certificate, expecting: expected)
        guard replayed.sha256 == CertificateHash.sha256(of: expected) else {
          throw ModelCertificateError.rejected(place: place, reason: "it proves another theorem: \(replayed.theorem)")
        }
      } catch let error as ModelCertificateError {
        throw error
      } catch {
        throw ModelCertificateError.rejected(place: place, reason: "\(error)")
      }
      steps += parameter.certificate.steps.count
    }
    return Check(parameters: parameters.count, steps: steps, seconds: Date().timeIntervalSince(start))
  }

  /// The statements of a statement text, by name.
  static func parse(_ text: String) throws -> [String: Statement] {
    let document = try TheoremLanguage.parse(text, file: "<model statement>")
    return Dictionary(document.statements.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// Certificates already proved in this process, by statement text (a statement is symbolic in
  /// every size, so models of one structure share it).
  private static let cache = LockedDictionary<String, ModelCertificate>()
}

/// A dictionary behind a lock.
final class LockedDictionary<Key: Hashable, Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [Key: Value] = [:]
  func withLock<R>(_ body: (inout [Key: Value]) throws -> R) rethrows -> R {
    lock.lock()
    defer { lock.unlock() }
    return try body(&storage)
  }
}

extension BlockText {
  /// The compiled-in text of a certified block, or a formula layer's from `formulas`.
  static func named(_ block: String, formulas: [String: String]) throws -> BlockText {
    if let text = formulas[block] { return try BlockText(text, block: block) }
    guard let compiled = CompiledRules.allBlocks[block] else {
      throw ModelCertificateError.unsupported(node: block, reason: "no certified block \(block)")
    }
    return try BlockText(compiled.text, block: block)
  }
}
