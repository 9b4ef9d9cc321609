import Dispatch
internal import Exact
internal import ProofKernel
import Synchronization

// Reading a certificate file back into a `Certificate`: strict JSON (every field present, of its
// type, no other field), definitions in dependency order, steps decoded rule by rule with their
// terms and formulas read by `SExpression`. Reading checks form only; `Replay` checks the proof.

extension Certificate {
  /// The longest certificate name, in UTF-8 bytes: `NAME.json` must fit a file name's 255.
  public static let maximumNameBytes = 250

  /// Reads a certificate file.
  /// - Throws: `CertificateError` naming the field (and step) and, inside an S-expression, the
  ///   character offset: malformed JSON, an unknown format version, a missing or extra field, a
  ///   value of the wrong type, an unknown rule, or a term the kernel's constructors refuse.
  public init(decoding text: String) throws(CertificateError) {
    var f = try JSONFields(try JSONParser.parse(text), path: "")
    let format = try f.string("format")
    guard format == Certificate.format else { throw .unsupportedFormat(format) }
    let name = try f.string("name")
    // The store keeps a certificate in a file named after it, and a file name has at most 255
    // bytes: a longer name is no certificate's, and must not reach a message whole.
    guard name.utf8.count <= Certificate.maximumNameBytes else {
      throw f.error("name", "'\(MessageText.cut(name))' is longer than \(Certificate.maximumNameBytes) bytes, the most a certificate name may have")
    }
    let source = try f.string("source")
    let ruleSet = try f.string("ruleSet")
    let functionTable = try f.string("functionTable")
    let statement = try f.string("statement")
    let sideConditions = try f.strings("sideConditions")
    let sha256 = try f.string("sha256")
    let theorem = try f.string("theorem")
    let definitions = try Certificate.decodeDefinitions(try f.array("definitions"))
    let table = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
    let steps = try Certificate.decodeSteps(try f.array("steps"), definitions: table)
    try f.finish()
    self.init(
      name: name, source: source, ruleSetVersion: ruleSet, functionTableVersion: functionTable, statement: statement,
      sideConditions: sideConditions, sha256: sha256, theorem: theorem, definitions: definitions, steps: steps)
  }

  /// Each entry `{"name": n, "definition": "(def ...)"}`, referring only to entries before it.
  static func decodeDefinitions(_ entries: [JSONValue]) throws(CertificateError) -> [Definition] {
    var table: [String: Definition] = [:]
    var out: [Definition] = []
    for (k, entry) in entries.enumerated() {
      var f = try JSONFields(entry, path: "definitions[\(k)]")
      let name = try f.string("name")
      guard table[name] == nil else { throw f.error("name", "a second definition named \(name)") }
      let text = try f.string("definition")
      let d = try SExpression.definition(named: name, text, definitions: table, origin: Origin(field: f.name("definition"), step: nil))
      try f.finish()
      table[name] = d
      out.append(d)
    }
    return out
  }

  /// A list this long is read in two halves at once.
  static let stepsReadInHalves = 2_000

  /// The steps, each half of a long list read on its own thread with its own memo (the steps of
  /// one half share most of their groups). The error thrown is the first in step order, as when
  /// reading one by one: the second half's counts only when the first half has none.
  static func decodeSteps(_ values: [JSONValue], definitions: [String: Definition]) throws(CertificateError) -> [Step] {
    @Sendable func read(_ range: Range<Int>) -> Result<[Step], CertificateError> {
      let memo = TermMemo(definitions: definitions)
      var out: [Step] = []
      out.reserveCapacity(range.count)
      for k in range {
        do { out.append(try Certificate.decodeStep(values[k], number: k, definitions: definitions, memo: memo)) } catch { return .failure(error) }
      }
      return .success(out)
    }
    guard values.count >= stepsReadInHalves else { return try read(0..<values.count).get() }
    let halves = [0..<values.count / 2, values.count / 2..<values.count]
    let results = Mutex<[Result<[Step], CertificateError>?]>([nil, nil])
    DispatchQueue.concurrentPerform(iterations: 2) { h in
      let result = read(halves[h])
      results.withLock { $0[h] = result }
    }
    let (first, second) = results.withLock { ($0[0]!, $0[1]!) }
    return try first.get() + second.get()
  }

  /// The rule names a step may carry: `Step.ruleName` of every step the kernel can run.
  static let ruleNames: Set<String> = [
    "refl", "sym", "trans", "alpha", "cong", "assume", "discharge", "vjp-intro", "chain", "chain-def", "fan-out",
    "ring", "sum-linear", "sum-prenex", "sum-merge", "sum-split", "sum-guard", "bracket-merge", "sum-cases", "delta-elim",
    "change-of-variables", "sum-swap", "sum-count", "zero-ext", "unfold", "jvp",
    "pow-merge", "pow-pow", "pow-mul", "log-exp", "exp-log", "exp-add",
    "sigmoid-exp", "tanh-sigmoid", "gelu-erf", "log-mul", "log-pow", "step-relu", "step-neg",
  ]

  /// One step: its rule name decides which fields it has (`Docs/CertificateFormat.md`, "Steps").
  /// With a `memo` (over the same `definitions`), its terms share the groups read before.
  static func decodeStep(_ value: JSONValue, number k: Int, definitions: [String: Definition], memo: TermMemo?) throws(CertificateError) -> Step {
    var f = try JSONFields(value, path: "steps[\(k)]", step: k)
    let rule = try f.string("rule")
    guard Certificate.ruleNames.contains(rule) else { throw f.error("rule", "unknown rule \"\(rule)\"") }
    let listed = try f.integers("premises")
    func premises(_ n: Int) throws(CertificateError) -> [Int] {
      guard listed.count == n else { throw f.error("premises", "\(rule) takes \(n) premise\(n == 1 ? "" : "s"), found \(listed.count)") }
      return listed
    }
    func term(_ key: String) throws(CertificateError) -> Term {
      let text = try f.string(key)
      let origin = Origin(field: f.name(key), step: k)
      if let memo { return try SExpression.term(text, memo: memo, origin: origin) }
      return try SExpression.term(text, definitions: definitions, origin: origin)
    }
    func formula(_ text: String, _ field: String) throws(CertificateError) -> Proposition {
      try SExpression.formula(text, definitions: definitions, origin: Origin(field: field, step: k))
    }
    let step: Step
    switch rule {
    case "refl":
      _ = try premises(0)
      step = .refl(try term("term"))
    case "sym":
      step = .sym(try premises(1)[0])
    case "trans":
      let p = try premises(2)
      step = .trans(p[0], p[1])
    case "alpha":
      let p = try premises(1)
      step = .alpha(p[0], lhs: try term("lhs"), rhs: try term("rhs"))
    case "cong":
      let p = try premises(2)
      step = .cong(p[0], path: try f.integers("path"), by: p[1])
    case "assume":
      _ = try premises(0)
      let h = try formula(try f.string("formula"), f.name("formula"))
      var instance: [Affine] = []
      for (j, text) in try f.strings("instance").enumerated() {
        instance.append(try SExpression.affine(text, origin: Origin(field: "\(f.name("instance"))[\(j)]", step: k)))
      }
      step = .assume(h, instance: instance)
    case "discharge":
      let p = try premises(1)
      var stated: [Proposition] = []
      for (j, text) in try f.strings("stating").enumerated() { stated.append(try formula(text, "\(f.name("stating"))[\(j)]")) }
      step = .discharge(p[0], stating: stated)
    case "vjp-intro":
      step = .vjpIntro(try premises(1)[0], at: try f.strings("at"))
    case "chain", "chain-def", "fan-out":
      let p = try premises(2)
      step = rule == "chain" ? .chain(p[0], p[1]) : rule == "chain-def" ? .chainDef(p[0], p[1]) : .fanOut(p[0], p[1])
    default:
      let p = try premises(1)
      let path = try f.integers("path")
      let rewrite: Rewrite
      switch rule {
      case "ring": rewrite = .ring(try term("target"))
      case "sum-linear": rewrite = .sumLinear
      case "sum-prenex": rewrite = .sumPrenex(factor: try f.integer("factor"))
      case "sum-merge": rewrite = .sumMerge
      case "sum-split": rewrite = .sumSplit(try f.integer("split"))
      case "sum-guard": rewrite = .sumGuard
      case "bracket-merge": rewrite = .bracketMerge
      case "sum-cases": rewrite = .sumCases(try SExpression.affine(try f.string("cases"), origin: Origin(field: f.name("cases"), step: k)))
      case "delta-elim": rewrite = .deltaElim(try f.string("index"))
      case "change-of-variables":
        let offsetText = try f.string("offset")
        rewrite = .changeOfVariables(
          try f.string("index"), to: try f.string("to"), sign: try f.integer("sign"),
          offset: try SExpression.affine(offsetText, origin: Origin(field: f.name("offset"), step: k)))
      case "sum-swap": rewrite = .sumSwap(try f.strings("order"))
      case "sum-count": rewrite = .sumCount(try f.string("index"))
      case "zero-ext": rewrite = .zeroExt
      case "unfold": rewrite = .unfold
      case "jvp": rewrite = .jvp
      case "pow-merge": rewrite = .powMerge
      case "pow-pow": rewrite = .powPow
      case "pow-mul": rewrite = .powMul
      case "log-exp": rewrite = .logExp
      case "exp-log": rewrite = .expLog
      case "exp-add": rewrite = .expAdd
      case "sigmoid-exp": rewrite = .sigmoidExp
      case "tanh-sigmoid": rewrite = .tanhSigmoid
      case "gelu-erf": rewrite = .geluErf
      case "log-mul": rewrite = .logMul
      case "log-pow": rewrite = .logPow
      case "step-relu": rewrite = .stepRelu
      case "step-neg": rewrite = .stepNeg
      default: throw f.error("rule", "unknown rule \"\(rule)\"")
      }
      step = .rewrite(p[0], path: path, rewrite)
    }
    try f.finish()
    return step
  }
}
