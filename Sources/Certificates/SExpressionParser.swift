internal import Exact
internal import ProofKernel

// The reader of the kernel's S-expressions (`Term.serialized`, `Proposition.serialized`,
// `Theorem.serialized`). It follows the printer character by character (single spaces where the
// printer puts them) and builds every value through the kernel's public validating constructors,
// so what it returns is well formed by the kernel's own checks. It is not trusted: a bug here can
// only make replay reject, because the kernel re-derives the theorem and its printing.

/// Where a text came from, for error messages.
struct Origin {
  var field: String
  var step: Int?
}

/// A recursive-descent parser over the UTF-8 bytes of one S-expression.
struct SExpressionParser {
  /// Deeper nesting is refused rather than risk the stack (real terms nest a few dozen levels).
  static let maximumDepth = 400

  let bytes: [UInt8]
  let origin: Origin
  var position = 0
  var depth = 0
  /// Definitions by name, resolved references point here.
  var known: [String: Definition]
  /// Definitions of a theorem's text not yet read: name -> offset of its `(def ...)`.
  var pending: [String: Int] = [:]
  var inProgress: Set<String> = []
  /// Set when a reference carried its definition inline (`(R y (def ...) [..])`).
  var sawInlineDefinition = false
  /// The deepest nesting reached so far (`depth` at its highest).
  var peak = 0
  /// Groups read before in the same certificate, and where each `(` of the text closes.
  let memo: TermMemo?
  let groupEnds: [Int32]

  init(_ text: String, origin: Origin, definitions: [String: Definition]) {
    bytes = Array(text.utf8)
    self.origin = origin
    known = definitions
    memo = nil
    groupEnds = []
  }

  /// A reader whose references by name resolve in `memo.definitions`, and which takes the terms
  /// of groups `memo` holds from it.
  init(_ bytes: [UInt8], origin: Origin, memo: TermMemo) {
    self.bytes = bytes
    self.origin = origin
    known = memo.definitions
    self.memo = memo
    groupEnds = TermMemo.groupEnds(bytes)
  }

  // MARK: - Errors and characters

  /// The error at byte `offset`, reported as a character offset (the texts are ASCII by grammar;
  /// anything else is counted correctly all the same).
  func fail(_ reason: String, at offset: Int? = nil) -> CertificateError {
    let at = min(offset ?? position, bytes.count)
    let characters = String(decoding: bytes[..<at], as: UTF8.self).count
    return .expression(field: origin.field, step: origin.step, offset: characters, reason: reason)
  }

  func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

  func found() -> String {
    guard position < bytes.count else { return "the end of the text" }
    let end = min(position + 12, bytes.count)
    return "\"" + String(decoding: bytes[position..<end], as: UTF8.self) + (end < bytes.count ? "...\"" : "\"")
  }

  mutating func expect(_ literal: String) throws(CertificateError) {
    let want = Array(literal.utf8)
    guard bytes.count - position >= want.count, bytes[position..<position + want.count].elementsEqual(want) else {
      throw fail("expected \"\(literal)\", found \(found())")
    }
    position += want.count
  }

  /// Consumes `literal` when it comes next.
  mutating func match(_ literal: String) -> Bool {
    let want = Array(literal.utf8)
    guard bytes.count - position >= want.count, bytes[position..<position + want.count].elementsEqual(want) else { return false }
    position += want.count
    return true
  }

  mutating func end() throws(CertificateError) {
    guard position == bytes.count else { throw fail("unexpected text after the expression: \(found())") }
  }

  mutating func enter() throws(CertificateError) {
    depth += 1
    peak = max(peak, depth)
    guard depth <= SExpressionParser.maximumDepth else { throw fail("nested more than \(SExpressionParser.maximumDepth) levels deep") }
  }

  /// Runs a kernel constructor, turning its refusal into an error at `offset`.
  func kernel<T>(at offset: Int, _ build: () throws -> T) throws(CertificateError) -> T {
    do { return try build() } catch let error as KernelError {
      throw fail("the kernel refuses it: \(error.description)", at: offset)
    } catch {
      throw fail("the kernel refuses it: \(error)", at: offset)
    }
  }

  // MARK: - Tokens

  static func isNameByte(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x5f || b == 0x27
  }

  /// A name: letters, digits, `_` and `'` (the kernel checks it is an identifier where it matters).
  mutating func name() throws(CertificateError) -> String {
    let start = position
    while let b = peek(), SExpressionParser.isNameByte(b) { position += 1 }
    guard position > start else { throw fail("expected a name, found \(found())") }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  /// `-?[0-9]+`, or with `allowFraction` also `-?[0-9]+/[0-9]+`.
  mutating func numberText(allowFraction: Bool) throws(CertificateError) -> String {
    let start = position
    _ = match("-")
    let digits = position
    while let b = peek(), b >= 0x30, b <= 0x39 { position += 1 }
    guard position > digits else { throw fail("expected a number, found \(found())", at: start) }
    if allowFraction, match("/") {
      let denominator = position
      while let b = peek(), b >= 0x30, b <= 0x39 { position += 1 }
      guard position > denominator else { throw fail("expected the digits of a denominator, found \(found())") }
    }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  mutating func integer() throws(CertificateError) -> Int {
    let start = position
    let text = try numberText(allowFraction: false)
    guard let value = Int(text), String(value) == text else {
      throw fail("\(text) is not an integer in the kernel's printing (machine range, no leading zeros)", at: start)
    }
    // -2^63 has no negation: guard canonicalization would trap on it, so it is refused here.
    guard value != .min else { throw fail("\(text) is outside the range -(2^63 - 1) ... 2^63 - 1", at: start) }
    return value
  }

  /// A rational as `Rational.description` prints it: `3`, `-1/2` (lowest terms, positive denominator).
  mutating func rational() throws(CertificateError) -> Rational {
    let start = position
    let text = try numberText(allowFraction: true)
    guard let q = try? Rational(parsing: text), q.description == text else {
      throw fail("\(text) is not a rational in lowest terms as the kernel prints it", at: start)
    }
    return q
  }

  /// `[a b c]`: names separated by single spaces.
  mutating func names() throws(CertificateError) -> [String] {
    try expect("[")
    var out: [String] = []
    if match("]") { return out }
    repeat { out.append(try name()) } while match(" ")
    try expect("]")
    return out
  }

  // MARK: - Affine expressions, guards, tensors

  /// `{c k1*v1 k2*v2}` with `v` either `d:name` or `i:name`; `{c }` without variables.
  mutating func affine() throws(CertificateError) -> Affine {
    let start = position
    try expect("{")
    let constant = try integer()
    try expect(" ")
    var parts: [(Variable, Int)] = []
    if !match("}") {
      repeat {
        let k = try integer()
        try expect("*")
        if match("d:") {
          parts.append((.dimension(try name()), k))
        } else if match("i:") {
          parts.append((.index(try name()), k))
        } else {
          throw fail("expected \"d:\" or \"i:\", found \(found())")
        }
      } while match(" ")
      try expect("}")
    }
    return try kernel(at: start) { try Affine(constant: constant, parts) }
  }

  /// `[a1 a2]`: affine expressions separated by single spaces.
  mutating func affines() throws(CertificateError) -> [Affine] {
    try expect("[")
    var out: [Affine] = []
    if match("]") { return out }
    repeat { out.append(try affine()) } while match(" ")
    try expect("]")
    return out
  }

  /// `(G false)`, or `(G c1 c2 ...)` with each constraint `(ge a)` or `(eq a)`; `(G )` is true.
  mutating func guardCondition() throws(CertificateError) -> Guard {
    // A guard reads the same wherever it stands: no names to resolve, no nesting counted.
    guard let memo, position < groupEnds.count, groupEnds[position] > 0 else { return try guardRead() }
    let span = TermMemo.Span(bytes: bytes, start: position, end: Int(groupEnds[position]))
    if let seen = memo.guards[span] {
      position = span.end
      return seen
    }
    let g = try guardRead()
    if position == span.end { memo.guards[span] = g }
    return g
  }

  /// A guard, read.
  mutating func guardRead() throws(CertificateError) -> Guard {
    let start = position
    try expect("(G ")
    if match("false)") { return .false }
    var nonNegative: [Affine] = [], equal: [Affine] = []
    if !match(")") {
      repeat {
        if match("(ge ") { nonNegative.append(try affine()) } else if match("(eq ") { equal.append(try affine()) } else {
          throw fail("expected \"(ge \" or \"(eq \", found \(found())")
        }
        try expect(")")
      } while match(" ")
      try expect(")")
    }
    return try kernel(at: start) { try Guard(nonNegative: nonNegative, equal: equal) }
  }

  /// `name[shape]`, the shape as affine expressions over dimensions.
  mutating func tensor() throws(CertificateError) -> TensorSymbol {
    let start = position
    let n = try name()
    let shape = try affines()
    return try kernel(at: start) { try TensorSymbol(n, shape: shape) }
  }

  // MARK: - Terms

  /// A term; a parenthesized one read before in the certificate is taken from the memo.
  ///
  /// The memo is used only while names resolve in the certificate's table alone: no reference in
  /// this text has yet carried its definition inline (which adds to `known`), and no theorem's
  /// definitions are pending. Then reading a group is a function of its bytes, and the memo gives
  /// what reading them again would: the same term, or, where this position is too deep for the
  /// group's nesting, the same refusal (the group is read again to give it).
  mutating func term() throws(CertificateError) -> Term {
    guard let memo, position < groupEnds.count, groupEnds[position] > 0, !sawInlineDefinition, pending.isEmpty else { return try termRead() }
    let span = TermMemo.Span(bytes: bytes, start: position, end: Int(groupEnds[position]))
    if let seen = memo.groups[span], depth + seen.height <= SExpressionParser.maximumDepth {
      position = span.end
      peak = max(peak, depth + seen.height)
      return seen.term
    }
    let base = depth, outerPeak = peak
    peak = depth
    let t = try termRead()
    let height = peak - base
    peak = max(outerPeak, peak)
    // Kept only when read as the table alone gives it, and when it spans the group (it always
    // does: every term that opens a parenthesis ends at the one closing it).
    if !sawInlineDefinition, position == span.end { memo.groups[span] = TermMemo.Entry(term: t, height: height) }
    return t
  }

  /// A term, read.
  mutating func termRead() throws(CertificateError) -> Term {
    try enter()
    defer { depth -= 1 }
    let start = position
    if match("q") { return .constant(try rational()) }
    if match("d:") { let n = try name(); return try kernel(at: start) { try .dimension(n) } }
    if match("k:") { let n = try name(); return try kernel(at: start) { try .named(n) } }
    if match("(T ") {
      let x = try tensor()
      try expect(" ")
      let indices = try affines()
      try expect(")")
      return try kernel(at: start) { try .access(x, indices) }
    }
    if peek() == 0x28, position + 1 < bytes.count, bytes[position + 1] == 0x47 {  // "(G"
      return .bracket(try guardCondition())
    }
    if match("(S ") {
      let binders = try names()
      try expect(" ")
      let g = try guardCondition()
      try expect(" ")
      let body = try term()
      try expect(")")
      return try kernel(at: start) { try .sum(binders, g, body) }
    }
    if match("(+") { return .add(try operands()) }
    if match("(*") { return .mul(try operands()) }
    if match("(^ ") {
      let q = try rational()
      try expect(" ")
      let base = try term()
      try expect(")")
      return .power(base, q)
    }
    if match("(f ") {
      let nameStart = position
      let n = try name()
      guard let f = ScalarFunction(rawValue: n) else { throw fail("\(n) is not a function of the kernel's table", at: nameStart) }
      try expect(" ")
      let argument = try term()
      try expect(")")
      return .apply(f, argument)
    }
    if match("(R ") { return try reference(start) }
    if match("(D ") {
      let x = try tensor()
      try expect(" ")
      let direction = try tensor()
      try expect(" ")
      let body = try term()
      try expect(")")
      return try kernel(at: start) { try .derivative(body, x, along: direction) }
    }
    if match("(V ") {
      let binders = try names()
      try expect(" ")
      let shape = try affines()
      try expect(" ")
      let wrt = try tensor()
      try expect(" ")
      var seed: TensorSymbol? = nil
      if !match("_ ") {  // no seed; a tensor name may itself begin with "_"
        seed = try tensor()
        try expect(" ")
      }
      let output = try term()
      try expect(" ")
      let at = try affines()
      try expect(")")
      return try kernel(at: start) { try .vjp(output, binders: binders, shape: shape, wrt: wrt, seed: seed, at: at) }
    }
    throw fail("expected a term, found \(found())")
  }

  /// The operands of `(+ ...)` or `(* ...)`, each after one space, then `)`.
  mutating func operands() throws(CertificateError) -> [Term] {
    var out: [Term] = []
    while match(" ") { out.append(try term()) }
    try expect(")")
    return out
  }

  /// After `(R `: `name [args])`, or with the definition inline, `name (def ...) [args])`.
  mutating func reference(_ start: Int) throws(CertificateError) -> Term {
    let nameStart = position
    let n = try name()
    try expect(" ")
    let d: Definition
    if peek() == 0x28 {  // "(def ...) " printed inline
      sawInlineDefinition = true
      let inline = try definition(named: n)
      try expect(" ")
      if let existing = known[n] {
        guard existing == inline else { throw fail("a second, different definition named \(n)", at: nameStart) }
        d = existing
      } else {
        known[n] = inline
        d = inline
      }
    } else {
      d = try resolve(n, at: nameStart)
    }
    let arguments = try affines()
    try expect(")")
    return try kernel(at: start) { try .reference(d, arguments) }
  }

  /// The definition a reference names: known already, or (in a theorem's text) read now from
  /// where it is listed.
  mutating func resolve(_ n: String, at offset: Int) throws(CertificateError) -> Definition {
    if let d = known[n] { return d }
    guard let listed = pending[n] else { throw fail("no definition named \(n) precedes this reference", at: offset) }
    guard !inProgress.contains(n) else { throw fail("the definition \(n) refers to itself", at: offset) }
    inProgress.insert(n)
    let saved = position
    position = listed
    let d = try definition(named: n)
    position = saved
    inProgress.remove(n)
    known[n] = d
    return d
  }

  /// `(def [params] [shape] body)`.
  mutating func definition(named n: String) throws(CertificateError) -> Definition {
    try enter()
    defer { depth -= 1 }
    let start = position
    try expect("(def ")
    let parameters = try names()
    try expect(" ")
    let shape = try affines()
    try expect(" ")
    let body = try term()
    try expect(")")
    return try kernel(at: start) { try Definition(n, parameters: parameters, shape: shape, body: body) }
  }

  // MARK: - Formulas and theorems

  mutating func formula() throws(CertificateError) -> Proposition {
    try enter()
    defer { depth -= 1 }
    let start = position
    if match("(= ") {
      let a = try term()
      try expect(" ")
      let b = try term()
      try expect(")")
      return .equal(a, b)
    }
    if match("(!= ") { let t = try term(); try expect(")"); return .nonZero(t) }
    if match("(> ") { let t = try term(); try expect(")"); return .positive(t) }
    if match("(H ") { let g = try guardCondition(); try expect(")"); return .holds(g) }
    if match("(A ") {
      let binders = try names()
      try expect(" ")
      let g = try guardCondition()
      try expect(" ")
      let body = try formula()
      try expect(")")
      // `quantified` validates the binders; without binders it would drop the quantifier, which the
      // kernel's printing of `.forAll([], ...)` keeps.
      if binders.isEmpty { return .forAll([], g, body) }
      return try kernel(at: start) { try .quantified(binders, g, body) }
    }
    throw fail("expected a formula, found \(found())")
  }

  /// `(theorem (definitions (n (def ...) ) ...) (hypotheses f ...) (= lhs rhs))`: the definitions are
  /// listed by name, so a body may refer to one listed after it.
  mutating func theorem() throws(CertificateError) -> TheoremText {
    try expect("(theorem (definitions")
    var order: [String] = []
    while match(" (") {
      let nameStart = position
      let n = try name()
      try expect(" ")
      guard pending[n] == nil, known[n] == nil else { throw fail("the definition \(n) is listed twice", at: nameStart) }
      pending[n] = position
      order.append(n)
      try skipBalanced()
      try expect(" )")
    }
    try expect(") (hypotheses")
    var definitions: [Definition] = []
    for n in order { definitions.append(try resolve(n, at: pending[n]!)) }
    var hypotheses: [Proposition] = []
    while match(" ") { hypotheses.append(try formula()) }
    try expect(") (= ")
    let lhs = try term()
    try expect(" ")
    let rhs = try term()
    try expect("))")
    return TheoremText(definitions: definitions, hypotheses: hypotheses, lhs: lhs, rhs: rhs)
  }

  /// Skips one parenthesized expression (the texts hold no quotes, so counting suffices).
  mutating func skipBalanced() throws(CertificateError) {
    let start = position
    try expect("(")
    var open = 1
    while open > 0 {
      guard let b = peek() else { throw fail("unbalanced parentheses", at: start) }
      if b == 0x28 { open += 1 } else if b == 0x29 { open -= 1 }
      position += 1
    }
  }
}
