internal import ProofKernel

extension ChainProof {
  /// One way of recognising a level's cotangent as a backward definition (`cotangentEquation`):
  /// the candidate (with the helpers unfolded inside it, and whether it is unfolded itself), the
  /// value it is unfolded like (below a layer norm or an attention written inlined), whether its
  /// range is dropped under the hypothesis that it holds, and whether it is read times its range.
  struct CotangentRoute {
    let candidate: Definition, helpers: [Definition], unfolds: Bool
    let like: Definition?
    let drops: Bool, ranged: Bool

    func isSame(as other: CotangentRoute) -> Bool {
      candidate === other.candidate && like === other.like && drops == other.drops && ranged == other.ranged
    }
  }

  /// What a route is apart from its candidate: whether it is unfolded like an inlined block,
  /// compared with the range dropped, or read times its range. The levels of one kind of block
  /// in a model (each layer norm, each batch norm's input) are recognised the same way.
  struct RouteShape: Hashable {
    let likes: Bool, drops: Bool, ranged: Bool
    init(_ route: CotangentRoute) { (likes, drops, ranged) = (route.like != nil, route.drops, route.ranged) }
  }

  /// The routes of `candidates` in the order `cotangentEquation` tries them: unfolded like each
  /// of `likes` in turn, for each with the range dropped first where the cotangent carries its
  /// range inside its sums (`dropsFirst`, also unfolded like a layer norm, whose cotangent carries
  /// it there: the plain comparison failed at each); then the routes of the shape that recognised
  /// the last level of the same kind (`preferred`) moved to the front, and before all `known`
  /// (the route that recognised the same cotangent before, at other indices). A cotangent proved
  /// under its range is proved again at each read (`cotangentRead`), and below an attention or a
  /// layer norm its route is among the last: ViT paid 3.6 s of its 5 s of failed comparisons
  /// trying again, at each read, the routes that had failed at the first. The order is only the
  /// search's: the kernel checks whatever route holds.
  static func routes(of candidates: [(definition: Definition, helpers: [Definition], unfolds: Bool)], likes: [Definition?],
                     dropsFirst: Bool = false, preferred: RouteShape? = nil,
                     known: CotangentRoute?) -> [CotangentRoute] {
    var routes: [CotangentRoute] = []
    for like in likes {
      for drops in dropsFirst ? [true, false] : [false, true] {
        for (c, helpers, unfolds) in candidates where like == nil || unfolds {
          for ranged in drops || like != nil ? [false] : [false, true] {
            routes.append(CotangentRoute(candidate: c, helpers: helpers, unfolds: unfolds, like: like, drops: drops, ranged: ranged))
          }
        }
      }
    }
    if let preferred {
      routes = routes.filter { RouteShape($0) == preferred } + routes.filter { RouteShape($0) != preferred }
    }
    if let known, let k = routes.firstIndex(where: { $0.isSame(as: known) }) { routes.insert(routes.remove(at: k), at: 0) }
    return routes
  }

  /// The kind of block a value is, for `Shared.routeShapes`: its body's operations, without the
  /// names and indices it reads (each layer norm of a model has one kind, each dense layer
  /// another).
  static func kind(of body: Term) -> String {
    switch body.node {
    case .constant, .dimension, .named: return "c"
    case .access: return "x"
    case .reference: return "r"
    case .bracket: return "b"
    case let .sum(_, _, t): return "s(" + kind(of: t) + ")"
    case let .add(ts): return "+(" + ts.map(kind(of:)).joined(separator: ",") + ")"
    case let .mul(ts): return "*(" + ts.map(kind(of:)).joined(separator: ",") + ")"
    case let .power(t, p): return "^\(p)(" + kind(of: t) + ")"
    case let .apply(f, t): return "\(f)(" + kind(of: t) + ")"
    case .derivative, .vjp: return "d"
    }
  }
}
