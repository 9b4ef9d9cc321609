internal import ProofKernel

// Writing a certificate: JSON in a fixed layout, one field per line and one step per line, keys in
// a fixed order, so the same certificate always gives the same bytes (`Docs/CertificateFormat.md`).

extension Certificate {
  /// The certificate file: valid JSON, keys in the documented order, one step per line, ending
  /// with a newline. Deterministic: equal certificates give identical text.
  public func encoded() -> String {
    var out = "{\n"
    out += "  \"format\": \(JSONText.quoted(Certificate.format)),\n"
    out += "  \"name\": \(JSONText.quoted(name)),\n"
    out += "  \"source\": \(JSONText.quoted(source)),\n"
    out += "  \"ruleSet\": \(JSONText.quoted(ruleSetVersion)),\n"
    out += "  \"functionTable\": \(JSONText.quoted(functionTableVersion)),\n"
    out += "  \"statement\": \(JSONText.quoted(statement)),\n"
    out += "  \"sideConditions\": " + lines(sideConditions.map(JSONText.quoted)) + ",\n"
    out += "  \"sha256\": \(JSONText.quoted(sha256)),\n"
    out += "  \"theorem\": \(JSONText.quoted(theorem)),\n"
    out += "  \"definitions\": " + lines(definitions.map {
      "{\"name\": \(JSONText.quoted($0.name)), \"definition\": \(JSONText.quoted(SExpression.text(of: $0)))}"
    }) + ",\n"
    out += "  \"steps\": " + lines(steps.map(Certificate.encode)) + "\n"
    out += "}\n"
    return out
  }

  /// `[]`, or one item per line.
  private func lines(_ items: [String]) -> String {
    items.isEmpty ? "[]" : "[\n" + items.map { "    " + $0 }.joined(separator: ",\n") + "\n  ]"
  }

  /// One step as a JSON object: `rule`, `premises`, `path` where the rule applies at a position,
  /// then the rule's own fields.
  static func encode(_ step: Step) -> String {
    var fields: [(String, String)] = [("rule", JSONText.quoted(step.ruleName))]
    func term(_ t: Term) -> String { JSONText.quoted(t.serialized(inlineDefinitions: false)) }
    func formula(_ f: Proposition) -> String { JSONText.quoted(f.serialized(inlineDefinitions: false)) }
    switch step {
    case let .refl(t):
      fields += [("premises", "[]"), ("term", term(t))]
    case let .sym(a):
      fields += [("premises", JSONText.integers([a]))]
    case let .trans(a, b):
      fields += [("premises", JSONText.integers([a, b]))]
    case let .alpha(a, l, r):
      fields += [("premises", JSONText.integers([a])), ("lhs", term(l)), ("rhs", term(r))]
    case let .cong(a, path, b):
      fields += [("premises", JSONText.integers([a, b])), ("path", JSONText.integers(path))]
    case let .rewrite(a, path, rule):
      fields += [("premises", JSONText.integers([a])), ("path", JSONText.integers(path))]
      switch rule {
      case let .ring(t): fields.append(("target", term(t)))
      case let .sumPrenex(k): fields.append(("factor", String(k)))
      case let .sumSplit(k): fields.append(("split", String(k)))
      case let .sumCases(e): fields.append(("cases", JSONText.quoted(SExpression.text(of: e))))
      case let .deltaElim(j), let .sumCount(j): fields.append(("index", JSONText.quoted(j)))
      case let .changeOfVariables(j, u, s, e):
        fields += [("index", JSONText.quoted(j)), ("to", JSONText.quoted(u)), ("sign", String(s)),
                   ("offset", JSONText.quoted(SExpression.text(of: e)))]
      case let .sumSwap(order): fields.append(("order", JSONText.strings(order)))
      case .sumLinear, .sumMerge, .sumGuard, .bracketMerge, .zeroExt, .unfold, .jvp,
        .powMerge, .powPow, .powMul, .logExp, .expLog, .expAdd,
        .sigmoidExp, .tanhSigmoid, .geluErf, .logMul, .logPow, .stepRelu, .stepNeg:
        break
      }
    case let .assume(h, instance):
      fields += [("premises", "[]"), ("formula", formula(h)),
                 ("instance", JSONText.strings(instance.map { SExpression.text(of: $0) }))]
    case let .discharge(a, stated):
      fields += [("premises", JSONText.integers([a])), ("stating", "[" + stated.map(formula).joined(separator: ", ") + "]")]
    case let .vjpIntro(a, at):
      fields += [("premises", JSONText.integers([a])), ("at", JSONText.strings(at))]
    case let .chain(a, b), let .chainDef(a, b), let .fanOut(a, b):
      fields += [("premises", JSONText.integers([a, b]))]
    }
    return "{" + fields.map { "\(JSONText.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
  }
}
