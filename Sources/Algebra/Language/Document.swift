public import ProofKernel

/// A place in a source file: 1-based line and column.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  public var description: String { "\(file):\(line):\(column)" }
}

/// A parsed `.thm` file: declarations, theorems and layers, in the kernel's terms.
public struct Document: Sendable {
  public var file: String
  public var dimensions: [String] = []
  public var constants: [String] = []
  public var tensors: [TensorSymbol] = []
  public var definitions: [Definition] = []
  public var theorems: [Statement] = []
  public var layers: [LayerDeclaration] = []
  /// The `def` lines of each layer (by name), before and after its output line: local definitions,
  /// which its output and rules refer to. Kept here rather than in `LayerDeclaration`, whose layout
  /// the trainer's `LayerSpec` enum embeds (growing it broke that enum's payloads, issue 17 notes).
  public var layerDefinitions: [String: LocalDefinitions] = [:]

  public init(file: String) { self.file = file }

  /// Every statement to prove: the theorems, then each layer's rules, in file order.
  public var statements: [Statement] { theorems + layers.flatMap(\.rules) }
}

/// A claim `lhs = rhs` under assumptions, for every value of its dimensions, tensors and free
/// indices within their ranges.
public struct Statement: Sendable {
  public var name: String
  public var location: SourceLocation
  public var lhs: Term
  public var rhs: Term
  /// The `assume` lines, as written.
  public var assumptions: [Proposition]
  /// Free indices with their ranges `0 <= i < size`, declared or inferred from a `grad`/`vjp`.
  public var indices: [(name: String, size: Affine)]

  public init(name: String, location: SourceLocation, lhs: Term, rhs: Term, assumptions: [Proposition], indices: [(name: String, size: Affine)]) {
    self.name = name
    self.location = location
    self.lhs = lhs
    self.rhs = rhs
    self.assumptions = assumptions
    self.indices = indices
  }

  /// The hypotheses the kernel's theorem must have: the assumptions, then the ranges of the free
  /// indices as one guard (absent when there are none).
  public var hypotheses: [Proposition] {
    get throws {
      let ranges = try indices.reduce(Guard.true) { try $0.and(Guard.axis($1.name, size: $1.size)) }
      return assumptions + (ranges.constraints.isEmpty ? [] : [.holds(ranges)])
    }
  }
}

/// `layer name(dims)`: a forward formula and its backward rules.
public struct LayerDeclaration: Sendable {
  public var name: String
  public var location: SourceLocation
  public var dimensions: [String]
  public var inputs: [TensorSymbol]
  public var parameters: [TensorSymbol]
  /// `output y[o: O] = ...` as a definition named after the output.
  public var output: Definition
  /// The upstream gradient `dy`, with the output's shape; nil for a scalar output (a loss), whose
  /// rules are gradients (seed 1).
  public var seed: TensorSymbol?
  public var assumptions: [Proposition]
  /// One statement per `vjp` line: `vjp(o: O -> y[o], x, dy)[i] = ...` (or `grad(y, x)[i] = ...`
  /// for a scalar output), named `name.x`.
  public var rules: [Statement]

  public init(name: String, location: SourceLocation, dimensions: [String], inputs: [TensorSymbol], parameters: [TensorSymbol],
              output: Definition, seed: TensorSymbol?, assumptions: [Proposition], rules: [Statement]) {
    self.name = name
    self.location = location
    self.dimensions = dimensions
    self.inputs = inputs
    self.parameters = parameters
    self.output = output
    self.seed = seed
    self.assumptions = assumptions
    self.rules = rules
  }
}

/// A layer's `def` lines: those before its output line, then those after it (which may use the
/// output and `dy`).
public struct LocalDefinitions: Sendable, Equatable {
  public var beforeOutput: [Definition] = []
  public var afterOutput: [Definition] = []
  public var all: [Definition] { beforeOutput + afterOutput }
}
