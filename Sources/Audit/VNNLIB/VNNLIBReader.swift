import Exact

/// Turns the assertions of a VNN-LIB file into cases: input boxes, each with its output region.
///
/// Every assertion is brought to a disjunction of conjunctions of linear constraints. A constraint
/// is on inputs only, a bound of one input (`(<= X_3 0.5)`), or on outputs only; one mixing both
/// is refused with its place. The assertions' conjunction is multiplied out (an assertion with one
/// disjunct joins every combination), and each combination splits into a box — the intersection
/// of its input bounds — and a conjunction of output constraints. Combinations with the same box
/// form one case: VNN-COMP's `(or (and X-box Y-region) ...)` and its several boxes per file both
/// read this way.
struct VNNLIBReader {
  let path: String
  private var declared: [String: VNNLIBPosition] = [:]
  /// The conjunction of the assertions with one disjunct.
  private var common: [Atom] = []
  /// The assertions with several disjuncts, each a disjunction of conjunctions.
  private var alternatives: [[[Atom]]] = []

  /// A linear constraint `Σ c_v v ≤ d` (`<` when strict) over named variables, with its place.
  struct Atom {
    var coefficients: [String: Rational]
    var bound: Rational
    var strict: Bool
    var position: VNNLIBPosition
    var usedVariables: [String] { coefficients.filter { $0.value != 0 }.map(\.key) }
    /// Whether the constraint is on inputs (else on outputs; a constant one counts as an output's).
    var isInput: Bool { usedVariables.contains { $0.hasPrefix("X_") } }
  }

  /// A linear term: `Σ c_v v + constant`.
  struct Linear {
    var coefficients: [String: Rational] = [:]
    var constant = Rational(0)
    var isConstant: Bool { coefficients.values.allSatisfy { $0 == 0 } }
    static func + (a: Linear, b: Linear) -> Linear {
      Linear(coefficients: a.coefficients.merging(b.coefficients, uniquingKeysWith: +), constant: a.constant + b.constant)
    }
    func scaled(_ c: Rational) -> Linear {
      Linear(coefficients: coefficients.mapValues { $0 * c }, constant: constant * c)
    }
  }

  init(path: String) { self.path = path }

  private func fail(_ position: VNNLIBPosition, _ reason: String) -> VNNLIBError { VNNLIBError(path, position, reason) }

  mutating func read(_ expression: VNNLIBExpression) throws(VNNLIBError) {
    guard case .list(let items, let position) = expression, case .atom(let head, _)? = items.first else {
      throw fail(expression.position, "expected (declare-const ...) or (assert ...)")
    }
    switch head {
    case "declare-const":
      guard items.count == 3, case .atom(let name, let at) = items[1], case .atom(let sort, let sortAt) = items[2] else {
        throw fail(position, "expected (declare-const NAME Real)")
      }
      guard sort == "Real" else { throw fail(sortAt, "sort \(sort) is not read; inputs and outputs are Real") }
      guard Self.variable(name) != nil else { throw fail(at, "'\(name)' is not an input X_i or an output Y_j") }
      guard declared[name] == nil else { throw fail(at, "'\(name)' is declared twice") }
      declared[name] = at
    case "assert":
      guard items.count == 2 else { throw fail(position, "expected (assert FORMULA)") }
      try assert(items[1])
    default:
      throw fail(position, "'\(head)' is not read; a VNN-LIB property declares constants and asserts")
    }
  }

  private mutating func assert(_ formula: VNNLIBExpression) throws(VNNLIBError) {
    let dnf = try disjunctiveForm(formula)
    for atom in dnf.joined() {
      let used = atom.usedVariables
      if used.contains(where: { $0.hasPrefix("X_") }) && used.contains(where: { $0.hasPrefix("Y_") }) {
        throw fail(atom.position, "a constraint mixing inputs and outputs is not read; inputs form boxes, outputs regions")
      }
      guard atom.isInput else { continue }
      guard used.count == 1 else {
        throw fail(atom.position, "an input constraint must bound one input (X_i <= c or X_i >= c)")
      }
      guard !atom.strict else {
        throw fail(atom.position, "a strict bound on an input is not read; the inputs form closed boxes (write <= or >=)")
      }
    }
    if dnf.count == 1 { common += dnf[0] } else { alternatives.append(dnf) }
  }

  func finish() throws(VNNLIBError) -> (inputs: Int, outputs: Int, cases: [VNNLIBCase]) {
    let start = VNNLIBPosition(line: 1, column: 1)
    let inputs = try count("X_"), outputs = try count("Y_")
    guard inputs > 0 else { throw fail(start, "no inputs X_0, X_1, ... are declared") }
    guard outputs > 0 else { throw fail(start, "no outputs Y_0, Y_1, ... are declared") }
    var combinations: [[Atom]] = [[]]
    for assertion in alternatives {
      guard combinations.count * assertion.count <= VNNLIBProperty.maximumDisjuncts else {
        throw fail(assertion.first?.first?.position ?? start, "the constraints expand to more than \(VNNLIBProperty.maximumDisjuncts) disjuncts")
      }
      combinations = combinations.flatMap { left in assertion.map { left + $0 } }
    }
    var cases: [VNNLIBCase] = [], caseOfBox: [InputBox: Int] = [:]
    var empty: (index: Int, lower: Rational, upper: Rational)?
    for combination in combinations {
      let atoms = common + combination
      guard let box = try box(atoms.filter(\.isInput), inputs: inputs, empty: &empty) else { continue }
      let conjunction = try atoms.filter { !$0.isInput }.map { atom throws(VNNLIBError) in try constraint(atom, outputs: outputs) }
      if let c = caseOfBox[box] {
        cases[c] = VNNLIBCase(box: box, disjuncts: cases[c].disjuncts + [conjunction])
      } else {
        caseOfBox[box] = cases.count
        cases.append(VNNLIBCase(box: box, disjuncts: [conjunction]))
      }
    }
    if cases.isEmpty, let (i, l, u) = empty {
      let every = combinations.count > 1 ? " in every case" : ""
      throw fail(declared["X_\(i)"]!, "X_\(i) is bounded below by \(l) and above by \(u)\(every): the box is empty")
    }
    return (inputs, outputs, cases)
  }

  /// The box the input bounds `atoms` give, or nil when it is empty (the first empty coordinate
  /// kept in `empty`, for the error when every box is).
  private func box(
    _ atoms: [Atom], inputs: Int, empty: inout (index: Int, lower: Rational, upper: Rational)?
  ) throws(VNNLIBError) -> InputBox? {
    var lower = [Rational?](repeating: nil, count: inputs), upper = lower
    for atom in atoms {
      let (name, c) = atom.coefficients.first { $0.value != 0 }!
      guard let (_, index) = Self.variable(name), index < inputs else { throw fail(atom.position, "'\(name)' is not declared") }
      // c·x ≤ d: an upper bound d/c when c > 0, a lower bound when c < 0.
      let value = atom.bound / c
      if c > 0 { upper[index] = upper[index].map { min($0, value) } ?? value } else { lower[index] = lower[index].map { max($0, value) } ?? value }
    }
    for i in 0..<inputs {
      guard let l = lower[i], let u = upper[i] else {
        throw fail(declared["X_\(i)"]!, "X_\(i) has no \(lower[i] == nil ? "lower" : "upper") bound; the inputs must form a box")
      }
      if l > u {
        if empty == nil { empty = (i, l, u) }
        return nil
      }
    }
    return try! InputBox(lower: lower.map { $0! }, upper: upper.map { $0! })
  }

  /// An output constraint over `Y_0 ... Y_(outputs-1)`.
  private func constraint(_ atom: Atom, outputs: Int) throws(VNNLIBError) -> OutputConstraint {
    var coefficients = [Rational](repeating: 0, count: outputs)
    for (name, c) in atom.coefficients where c != 0 {
      guard let (_, j) = Self.variable(name), j < outputs else { throw fail(atom.position, "'\(name)' is not declared") }
      coefficients[j] = c
    }
    return OutputConstraint(coefficients: coefficients, bound: atom.bound, strict: atom.strict)
  }

  /// The number of declared variables with `prefix`, which must be `prefix0 ... prefix(n-1)`.
  private func count(_ prefix: String) throws(VNNLIBError) -> Int {
    let indices = declared.keys.compactMap { Self.variable($0) }.filter { $0.prefix == prefix }.map(\.index).sorted()
    for (expected, index) in indices.enumerated() where expected != index {
      throw fail(declared["\(prefix)\(index)"]!, "\(prefix)\(expected) is not declared but \(prefix)\(index) is")
    }
    return indices.count
  }

  // MARK: formulas

  private func disjunctiveForm(_ formula: VNNLIBExpression) throws(VNNLIBError) -> [[Atom]] {
    guard case .list(let items, let position) = formula, case .atom(let op, _)? = items.first else {
      throw fail(formula.position, "expected a formula: (and ...), (or ...), or a comparison (<= a b)")
    }
    let arguments = Array(items.dropFirst())
    switch op {
    case "and":
      var product: [[Atom]] = [[]]
      for argument in arguments {
        let part = try disjunctiveForm(argument)
        guard product.count * part.count <= VNNLIBProperty.maximumDisjuncts else {
          throw fail(position, "this formula expands to more than \(VNNLIBProperty.maximumDisjuncts) disjuncts")
        }
        product = product.flatMap { left in part.map { left + $0 } }
      }
      return product
    case "or":
      var union: [[Atom]] = []
      for argument in arguments { union += try disjunctiveForm(argument) }
      guard union.count <= VNNLIBProperty.maximumDisjuncts else {
        throw fail(position, "this formula expands to more than \(VNNLIBProperty.maximumDisjuncts) disjuncts")
      }
      return union
    case "<=", ">=", "<", ">":
      guard arguments.count == 2 else { throw fail(position, "'\(op)' compares two terms") }
      let a = try term(arguments[0]), b = try term(arguments[1])
      // a ≤ b  ⇔  (a − b) ≤ 0  ⇔  Σ (a−b)_v v ≤ (b − a) constant.
      let difference = op.hasPrefix("<") ? a + b.scaled(-1) : b + a.scaled(-1)
      return [[Atom(coefficients: difference.coefficients, bound: -difference.constant, strict: op.count == 1, position: position)]]
    default:
      throw fail(position, "'\(op)' is not read; formulas use and, or, <=, >=, <, >")
    }
  }

  private func term(_ expression: VNNLIBExpression) throws(VNNLIBError) -> Linear {
    switch expression {
    case .atom(let text, let position):
      if let value = try? Rational(parsing: text) { return Linear(constant: value) }
      guard declared[text] != nil else { throw fail(position, "'\(text)' is neither a number nor a declared constant") }
      return Linear(coefficients: [text: 1])
    case .list(let items, let position):
      guard case .atom(let op, _)? = items.first, items.count >= 2 else { throw fail(position, "expected a term: (+ ...), (- ...), (* ...)") }
      let parts = try items.dropFirst().map { item throws(VNNLIBError) in try term(item) }
      switch op {
      case "+": return parts.dropFirst().reduce(parts[0], +)
      case "-": return parts.count == 1 ? parts[0].scaled(-1) : parts.dropFirst().reduce(parts[0]) { $0 + $1.scaled(-1) }
      case "*":
        guard parts.filter({ !$0.isConstant }).count <= 1 else { throw fail(position, "a product of variables is not linear") }
        return parts.dropFirst().reduce(parts[0]) { a, b in a.isConstant ? b.scaled(a.constant) : a.scaled(b.constant) }
      default: throw fail(position, "'\(op)' is not read in a term; terms use +, -, * and numbers")
      }
    }
  }

  private func variables(in expression: VNNLIBExpression) -> Set<String> {
    switch expression {
    case .atom(let text, _): return declared[text] != nil ? [text] : []
    case .list(let items, _): return items.reduce(into: Set<String>()) { $0.formUnion(variables(in: $1)) }
    }
  }

  /// `X_12` → ("X_", 12).
  static func variable(_ name: String) -> (prefix: String, index: Int)? {
    for prefix in ["X_", "Y_"] where name.hasPrefix(prefix) {
      if let index = Int(name.dropFirst(2)), index >= 0, String(index) == name.dropFirst(2) { return (prefix, index) }
    }
    return nil
  }
}
