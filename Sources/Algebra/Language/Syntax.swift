internal import Exact

// The syntax tree the parser builds before names are resolved. Resolution (`Elaborator`) decides
// whether an expression is a term, an index expression or a constraint, so each node keeps where
// it came from for error messages.

/// An expression as written.
struct Expression: Sendable {
  indirect enum Kind: Sendable {
    case number(Rational)
    /// A plain name: an index, dimension, constant, scalar tensor or scalar definition.
    case name(String)
    /// `name[e, ...]`: a tensor access or a definition reference (possibly with no indices).
    case subscripted(Name, [Expression])
    case group(Expression)
    case negation(Expression)
    /// `e1 + e2 - e3`: each operand with a flag for subtraction.
    case terms([(negated: Bool, Expression)])
    /// `e1 * e2 / e3`: each operand with a flag for division.
    case product([(divided: Bool, Expression)])
    case power(Expression, exponent: Expression)
    /// `[c1 and c2]`.
    case bracket([ConstraintSyntax])
    case delta(Expression, Expression)
    /// `relu(e)`, `sqrt(e)`, `abs(e)`, `max(a, b)`, ...: a function name and its arguments.
    case call(Name, [Expression])
    case sum(BinderList, Expression)
    case grad(Expression, wrt: Name, at: [Expression])
    case vjp(binders: [(Name, Expression)], Expression, wrt: Name, seed: Name, at: [Expression])
    case derivative(Expression, wrt: Name, direction: Name)
  }

  var kind: Kind
  /// The first token.
  var token: Token
  /// Offset one past the last scalar, for quoting the expression in messages.
  var end: Int

  /// The expression with grouping parentheses removed.
  var ungrouped: Expression {
    if case let .group(e) = kind { return e.ungrouped }
    return self
  }
}

/// An identifier and where it was written.
struct Name: Sendable {
  var text: String
  var token: Token
}

/// `i: n, j | constraints`: binders, each with an optional range, and extra constraints.
struct BinderList: Sendable {
  var binders: [(Name, Expression?)]
  var constraints: [ConstraintSyntax]
}

/// A comparison chain `e1 < e2 <= e3` or a literal `true`/`false`.
struct ConstraintSyntax: Sendable {
  enum Relation: String, Sendable {
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case equal = "=", doubleEqual = "==", notEqual = "!="
  }

  enum Kind: Sendable {
    case literal(Bool)
    case chain([Expression], [Relation])
  }

  var kind: Kind
  var token: Token
}

/// A formula after `assume`: `forall binders. body` or clauses joined by `and`.
indirect enum FormulaSyntax: Sendable {
  case forAll(BinderList, FormulaSyntax, Token)
  case clauses([ConstraintSyntax])
}
