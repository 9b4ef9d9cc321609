public import ProofKernel
import TermPrinting

/// The certificate of one theorem or layer rule: the recorded kernel steps of its proof, the
/// theorem they prove in the kernel's printing, and its SHA-256 (`Docs/CertificateFormat.md`).
///
/// A certificate proves nothing by itself: `Replay.replay(_:expecting:)` runs its steps through a
/// fresh kernel `Derivation` and accepts only when the theorem the kernel rebuilt prints exactly as
/// `theorem` and hashes to `sha256`. The other fields are for people and tools (`statement`,
/// `sideConditions`) or for finding it (`name`, `source`).
///
/// Example:
///
///     let outcome = Prover.prove(statement)
///     let certificate = try Certificate(name: "dense.x", source: "Theorems/layers.thm",
///                                       theorem: outcome.theorem!, steps: outcome.steps)
///     let text = certificate.encoded()       // the JSON file, byte for byte deterministic
///     let checked = try Replay.replay(try Certificate(decoding: text))
public struct Certificate: Equatable, Sendable {
  /// The format version this module writes and reads.
  public static let format = "certify-certificate-1"

  /// The statement's name in its `.thm` file (`grad_W2_mse`, `dense.x`).
  public var name: String
  /// The `.thm` file the statement comes from, relative to the package root (`Theorems/layers.thm`).
  public var source: String
  /// The kernel's `Derivation.ruleSetVersion` when the certificate was written.
  public var ruleSetVersion: String
  /// The kernel's `FunctionTable.version` when the certificate was written.
  public var functionTableVersion: String
  /// The theorem, readable (`Theorem.description`).
  public var statement: String
  /// The theorem's hypotheses, readable: the side conditions the proof discharged against them.
  public var sideConditions: [String]
  /// Lowercase hexadecimal SHA-256 of the UTF-8 bytes of `theorem`.
  public var sha256: String
  /// The theorem as `Theorem.serialized()` prints it.
  public var theorem: String
  /// Every definition the steps and the theorem refer to, each once, each after those its body
  /// refers to (and otherwise by name).
  public var definitions: [Definition]
  /// The proof: each step's premises are earlier step numbers (from 0); the last step is the theorem.
  public var steps: [Step]

  /// A certificate with every field given, as read from a file (nothing is checked here; replay checks).
  public init(
    name: String, source: String, ruleSetVersion: String, functionTableVersion: String, statement: String,
    sideConditions: [String], sha256: String, theorem: String, definitions: [Definition], steps: [Step]
  ) {
    self.name = name
    self.source = source
    self.ruleSetVersion = ruleSetVersion
    self.functionTableVersion = functionTableVersion
    self.statement = statement
    self.sideConditions = sideConditions
    self.sha256 = sha256
    self.theorem = theorem
    self.definitions = definitions
    self.steps = steps
  }

  /// The certificate of `theorem`, proved by `steps` (as `ProofOutcome` gives them), under the
  /// current kernel's versions. The steps are not run here: `Replay` does that.
  /// - Throws: `CertificateError.ambiguousDefinition` when two different definitions share a name.
  public init(name: String, source: String, theorem: Theorem, steps: [Step]) throws(CertificateError) {
    let text: String
    do { text = try theorem.serialized() } catch {
      throw .ambiguousDefinition("in the theorem: \(error)")
    }
    self.init(
      name: name, source: source, ruleSetVersion: Derivation.ruleSetVersion, functionTableVersion: FunctionTable.version,
      statement: theorem.description, sideConditions: theorem.hypotheses.map(\.description),
      sha256: CertificateHash.sha256(of: text), theorem: text,
      definitions: try DefinitionCollector.ordered(steps: steps, theorem: theorem), steps: steps)
  }
}
