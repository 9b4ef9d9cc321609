import Algebra
import ProofKernel

/// A layer given by its forward formula in a model spec (`FormulaLayerSpec`), run by the generic
/// formula evaluator over its certified rule.
///
/// Building a model certifies the rule (`FormulaCertification`: derived from the forward formula,
/// or the block's `vjp` line proved to be the vjp of the output; replayed through the kernel; hash
/// compared) and `install`s it: the forward formula and the rule, both taken from the kernel's
/// theorem, are compiled once into `FormulaProgram`s. A layer that is not installed refuses to run.
///
/// The backward pass evaluates the rule, which reads the input `x` the forward pass saw (kept,
/// transposed) and the upstream gradient `dy`. Training forward passes count the *kinks*: examples
/// and points where a hypothesis of the certified rule (an `assume` line such as
/// `forall k: n. x[k] != 0`) fails on the batch, where the rule computed is outside what the
/// certificate covers (`Sequential.kinks`).
public final class FormulaLayer: Layer {
  /// The generic evaluator, not one certified block: each instance has its own (`block`).
  public static let certifiedBlock = "formula"
  /// Per instance: see `ruleNames(of:)` on the model, or `rule`.
  public static let ruleNames: [String] = []
  public static let operandNames = ["x"]

  public let name: String
  public let spec: FormulaLayerSpec
  public let inputWidth: Int
  public let outputWidth: Int
  public var parameters: [Parameter] { [] }

  /// The certified rule, once installed.
  public private(set) var certified: CertifiedFormula?
  /// Training inputs where a hypothesis of the rule failed since the last `resetKinks()`.
  public private(set) var kinks = 0

  private(set) var parts: FormulaParts?
  private var forwardProgram: FormulaProgram<Float>?
  private var backwardProgram: FormulaProgram<Float>?
  private let input: TransposedBatch<Float>
  private let seed: TransposedBatch<Float>
  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastRows: Int?

  /// An uninstalled layer (it cannot run until `install`).
  init(name: String, spec: FormulaLayerSpec, inputWidth: Int) {
    self.name = name
    self.spec = spec
    self.inputWidth = inputWidth
    outputWidth = max(spec.outputWidth(forInput: inputWidth) ?? 0, 0)
    input = TransposedBatch(width: inputWidth)
    seed = TransposedBatch(width: outputWidth)
    output = Workspace(columns: outputWidth)
    inputGradient = Workspace(columns: inputWidth)
  }

  /// The block name (`swish`).
  public var block: String { spec.name }
  /// The rule name (`swish.x`).
  public var rule: String { "\(spec.name).\(spec.layer.inputs[0].name)" }

  /// Compiles the certified forward formula and rule for this layer's widths.
  /// - Throws: `SpecError` at the block's line when the evaluator cannot run a formula or check a
  ///   hypothesis.
  func install(_ certified: CertifiedFormula) throws {
    guard outputWidth >= 1 else {
      throw spec.error(at: "output", "layer \(spec.name) has \(spec.outputWidth(forInput: inputWidth).map(String.init) ?? "too many") outputs (\(spec.outputRange) at \(inputWidth) input features)")
    }
    let parts = try FormulaLayer.parts(of: certified.theorem, spec, inputs: inputWidth)
    var forward = try compile(spec, at: "output") { try parts.forward(FormulaProgram<Float>.self, inputWidth, outputWidth, checks: false) }
    let backward = try compile(spec, at: spec.givesBackward ? "vjp" : "output") {
      try parts.backward(FormulaProgram<Float>.self, inputWidth, outputWidth)
    }
    if !parts.hypotheses.isEmpty {
      // With the counters of the hypotheses: one the evaluator cannot count is reported at `assume`.
      forward = try compile(spec, at: "assume") { try parts.forward(FormulaProgram<Float>.self, inputWidth, outputWidth, checks: true) }
    }
    (forwardProgram, backwardProgram, self.parts, self.certified) = (forward, backward, parts, certified)
  }

  private func compile<P>(_ spec: FormulaLayerSpec, at keyword: String, _ body: () throws -> P) throws -> P {
    do { return try body() } catch let refusal as FormulaRefusal {
      throw spec.error(at: keyword, "layer \(spec.name): \(refusal)")
    }
  }

  public func resetKinks() { kinks = 0 }

  public func reserve(batchCapacity: Int) {
    input.reserve(capacity: batchCapacity)
    seed.reserve(capacity: batchCapacity)
    forwardProgram?.reserve(capacity: batchCapacity)
    backwardProgram?.reserve(capacity: batchCapacity)
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  public func forward(_ x: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    guard let program = forwardProgram else { preconditionFailure("\(name): the formula layer is not certified and installed") }
    input.load(x)
    program.setOperand(parts!.input, input)
    let y = output.matrix(rows: x.rows)
    program.run(rows: x.rows, into: y)
    if training, program.hasChecks { kinks += program.countFailures() }
    lastRows = x.rows
    return y
  }

  public func backward(_ dy: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    guard let program = backwardProgram, lastRows == dy.rows else {
      preconditionFailure("\(name): backward without a matching forward")
    }
    seed.load(dy)
    program.setOperand(parts!.input, input)
    program.setOperand(parts!.seed, seed)
    let dx = inputGradient.matrix(rows: dy.rows)
    program.run(rows: dy.rows, into: dx)
    return dx
  }
}
