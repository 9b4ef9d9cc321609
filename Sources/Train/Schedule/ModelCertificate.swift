public import Certificates
import Algebra
import Foundation
import ProofKernel

/// A whole model's certificate: for each parameter, the kernel-checked theorem that the gradient
/// of the model's loss with respect to it equals what the backward schedule computes
/// (`ModelStatement`), with the layers' side conditions as hypotheses (Docs/Semantics.md, "Model
/// certificates").
///
/// The theorems are proved by the engine through the kernel's `chain` rule, one layer at a time
/// (`ChainProof`, Docs/Engine.md "Composition"), in one derivation: each layer's adjoint identity
/// and each cotangent's recognition is proved once and reused by every parameter below it, so the
/// derivation grows about linearly with depth. The bundle holds the statement text, the derivation
/// (an ordinary certificate whose last step proves the last parameter's theorem) and, per
/// parameter, the step that proves its theorem. `verify` replays the derivation once through the
/// kernel and compares each parameter's theorem with the statement written from a spec's own
/// schedule, so a certificate of another model, a tampered one, or one whose statement was edited
/// is refused.
///
/// ```swift
/// let model = try Sequential(spec, seed: 1, certificates: .builtIn)
/// let certificate = model.modelCertificate!          // built with the model
/// let check = try certificate.verify(against: model.schedule, formulas: model.formulaBlocks)
/// check.parameters  // 4 for a 784-256-10 MLP: dense1.W, dense1.b, dense2.W, dense2.b
/// ```
public struct ModelCertificate: Sendable, Equatable {
  /// The format this module writes and reads.
  public static let format = "certify-model-certificate-3"
  /// Earlier formats: a checkpoint carrying one loads, and its model's own certificate is built
  /// in its place (format 1 held one derivation per parameter; format 2's statements named a
  /// contribution that only scales the cotangent, which format 3 writes where it is read).
  public static let supersededFormats: Set<String> = ["certify-model-certificate-1", "certify-model-certificate-2"]

  /// The statement, in the theorem language (what the derivation proves a theorem of per parameter).
  public var statement: String
  /// The one derivation of every parameter's theorem, as a certificate: its steps, and the last
  /// step's theorem (the last parameter's).
  public var derivation: Certificate
  /// Per parameter (in the order of the schedule's steps): its name in the model, the step of
  /// `derivation` that proves its theorem `model.<parameter>`, and that theorem's SHA-256.
  public var parameters: [Parameter]

  public struct Parameter: Sendable, Equatable {
    public var name: String
    public var step: Int
    public var sha256: String
  }

  /// SHA-256 of the statement text and each parameter's step and theorem hash, one per line: what
  /// a checkpoint records beside it.
  public var sha256: String {
    CertificateHash.sha256(of: ([statement] + parameters.map { "\($0.name) \($0.step) \($0.sha256)" }).joined(separator: "\n"))
  }

  /// The number of kernel steps.
  public var steps: Int { derivation.steps.count }

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
    func place(_ k: Int) -> String {
      let theorem = written.theorems[k]
      return "the gradient of \(theorem.route.parameter) (schedule step \(theorem.step), node \(schedule.nodes[schedule.steps[theorem.step].node].name))"
    }
    var list: [Statement] = []
    for (k, theorem) in written.theorems.enumerated() {
      guard let statement = statements[theorem.name] else { throw ModelCertificateError.unstated(place: place(k), reason: "the statement has no theorem \(theorem.name)") }
      list.append(statement)
    }
    guard !list.isEmpty else { throw ModelCertificateError.unsupported(node: "the model", reason: "it has no parameters") }
    let outcome: JointOutcome
    switch Prover.proveJointly(list) {
    case let .failure(f): throw refusal(at: place(f.index), f.failure)
    case let .success(o): outcome = o
    }
    let derivation = try Certificate(name: "model", source: "<model>", theorem: outcome.conclusions[outcome.conclusions.count - 1].theorem, steps: outcome.steps)
    // The theorems share the network's definitions: each is printed once for all of them.
    let texts = DefinitionTexts()
    let parameters = try zip(written.theorems, outcome.conclusions).map { theorem, conclusion in
      Parameter(name: theorem.route.parameter, step: conclusion.step, sha256: CertificateHash.sha256(of: try conclusion.theorem.serialized(texts)))
    }
    let result = ModelCertificate(statement: written.text, derivation: derivation, parameters: parameters)
    // Bind what was proved to what was stated before anything keeps it: the theorems the kernel
    // concluded as the engine applied each step. Replaying the pruned derivation again would check
    // the pruning, not the proof; `verify` does that wherever a certificate is read.
    var concluded = [Theorem?](repeating: nil, count: derivation.steps.count)
    for (parameter, conclusion) in zip(parameters, outcome.conclusions) { concluded[parameter.step] = conclusion.theorem }
    try result.bind(concluded, to: written.theorems.map { ($0.name, $0.route.parameter) }, statements: statements)
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

  /// Replays every certificate through the kernel and checks that together they prove exactly the
  /// statement of `schedule`: the same text, one theorem per parameter, each rebuilt theorem
  /// equal (by its serialization's SHA-256) to the statement's.
  /// - Throws: `ModelCertificateError.rejected` naming the parameter and the step at fault.
  public func verify(against schedule: BackwardSchedule, formulas: [String: String] = [:]) throws -> Check {
    try verify(Stated(schedule, formulas: formulas))
  }

  /// `verify(against:formulas:)` with the statement written and parsed already (`certify check
  /// --model` writes it while the certificate is decoded).
  func verify(_ stated: Stated) throws -> Check {
    let (expected, theorems, statements) = (stated.text, stated.theorems, stated.statements)
    let start = Date()
    guard statement == expected else {
      let line = zip(statement.split(separator: "\n"), expected.split(separator: "\n")).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      throw ModelCertificateError.rejected(place: "the statement" + (line.map { ", line \($0 + 1)" } ?? ""), reason: "it is not the statement of this model's schedule")
    }
    guard parameters.map(\.name) == theorems.map(\.parameter) else {
      throw ModelCertificateError.rejected(place: "the parameter list", reason: "it has \(parameters.map(\.name)), the model \(theorems.map(\.parameter))")
    }
    try bind(try replayed(), to: theorems, statements: statements)
    return Check(parameters: parameters.count, steps: derivation.steps.count, seconds: Date().timeIntervalSince(start))
  }

  /// Checks that the theorem at each parameter's step (of `derivation`'s theorems, nil where not
  /// known) is the statement's theorem for it, and has the recorded hash.
  /// - Throws: `ModelCertificateError.rejected` naming the parameter.
  private func bind(_ derivation: [Theorem?], to theorems: [(name: String, parameter: String)], statements: [String: Statement]) throws {
    let texts = DefinitionTexts()
    for (parameter, theorem) in zip(parameters, theorems) {
      let place = "parameter \(parameter.name)"
      guard let s = statements[theorem.name] else { throw ModelCertificateError.rejected(place: place, reason: "the statement has no theorem \(theorem.name)") }
      guard derivation.indices.contains(parameter.step), let proved = derivation[parameter.step] else {
        throw ModelCertificateError.rejected(place: place, reason: "the derivation has no step \(parameter.step)")
      }
      do {
        let text = try proved.serialized(texts)
        guard text == (try Theorem.serialization(hypotheses: s.hypotheses, lhs: s.lhs, rhs: s.rhs, texts: texts)) else {
          throw ModelCertificateError.rejected(place: place, reason: "step \(parameter.step) proves another theorem: \(proved)")
        }
        guard CertificateHash.sha256(of: text) == parameter.sha256 else {
          throw ModelCertificateError.rejected(place: place, reason: "its recorded sha256 is not that of its theorem")
        }
      } catch let error as ModelCertificateError {
        throw error
      } catch {
        throw ModelCertificateError.rejected(place: place, reason: "\(error)")
      }
    }
  }

  /// The theorems of the parameters' steps (nil at every other step), every step concluded by the
  /// kernel afresh (on several threads, `ParallelReplay`), under the kernel's own versions.
  /// - Throws: `ModelCertificateError.rejected` naming the step at fault.
  private func replayed() throws -> [Theorem?] {
    let place = "the model's derivation"
    guard derivation.ruleSetVersion == Derivation.ruleSetVersion, derivation.functionTableVersion == FunctionTable.version else {
      throw ModelCertificateError.rejected(place: place, reason: "it was written for rule set \(derivation.ruleSetVersion) and function table \(derivation.functionTableVersion); the kernel has \(Derivation.ruleSetVersion) and \(FunctionTable.version)")
    }
    guard !derivation.steps.isEmpty else { throw ModelCertificateError.rejected(place: place, reason: "no steps, so nothing is proved") }
    do { return try ParallelReplay.theorems(of: derivation.steps, keeping: Set(parameters.map(\.step))) } catch {
      throw ModelCertificateError.rejected(place: "\(place), step \(error.step) (\(derivation.steps[error.step].ruleName))", reason: "\(error.error)")
    }
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
