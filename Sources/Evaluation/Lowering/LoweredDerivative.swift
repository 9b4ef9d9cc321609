internal import ProofKernel

/// `D` or `vjp` at concrete sizes, kept for the dual evaluator (`Lowering.keepsDerivatives`): the
/// body or output lowered, the tensors' shapes and the point as index expressions over slots. What
/// the formers mean is the dual evaluator's (`DualEvaluator+Derivatives.swift`).
enum LoweredDerivative: Sendable {
  /// `D body [variable := direction]`.
  case directional(body: LoweredTerm, variable: LoweredTensor, direction: LoweredTensor)
  /// `vjp(o: shape -> output, variable, seed)[at]`, the binders `o` in the slots `binders`; no
  /// seed for `grad`.
  case vectorJacobian(
    output: LoweredTerm, binders: [Int], shape: [LoweredAffine], variable: LoweredTensor, seed: LoweredTensor?,
    at: [LoweredAffine])
}

extension LoweredDerivative {
  /// The former's name, the text of its placeholder node.
  var former: String {
    switch self {
    case .directional: return "D"
    case .vectorJacobian: return "vjp"
    }
  }
}

/// A tensor named by a derivative former, its declared shape over slots.
struct LoweredTensor: Sendable {
  let name: String
  let shape: [LoweredAffine]
}

extension Lowering {
  /// `t`'s parts lowered when it is `D` or `vjp`, else nil.
  mutating func derivativeFormer(_ t: Term, _ free: FreeIndexTree, _ scope: [String: Int]) throws(LoweringError) -> LoweredDerivative? {
    switch t.node {
    case let .derivative(body, x, dx):
      return .directional(body: try lower(body, free.children[0], scope), variable: try tensor(x, scope), direction: try tensor(dx, scope))
    case let .vjp(v):
      var inner = scope
      let binders = v.binders.map { b in
        let slot = newSlot()
        inner[b] = slot
        return slot
      }
      return .vectorJacobian(
        output: try lower(v.output, free.children[0], inner), binders: binders,
        shape: try v.shape.map { e throws(LoweringError) in try affine(e, scope) },
        variable: try tensor(v.wrt, scope), seed: try v.seed.map { s throws(LoweringError) in try tensor(s, scope) },
        at: try v.at.map { e throws(LoweringError) in try affine(e, scope) })
    default:
      return nil
    }
  }

  func tensor(_ x: TensorSymbol, _ scope: [String: Int]) throws(LoweringError) -> LoweredTensor {
    LoweredTensor(name: x.name, shape: try x.shape.map { e throws(LoweringError) in try affine(e, scope) })
  }
}
