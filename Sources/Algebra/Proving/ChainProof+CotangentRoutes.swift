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

  /// The routes of `candidates` in the order `cotangentEquation` tries them (plain, then with the
  /// range dropped, or the other way round where the plain cotangent carries its range,
  /// `dropsFirst`; then unfolded like each of `likes`), with `known` (the route that recognised
  /// the same cotangent before, at other indices) first. A cotangent proved under its range is
  /// proved again at each read (`cotangentRead`), and below an attention or a layer norm its route
  /// is among the last: ViT paid 3.6 s of its 5 s of failed comparisons trying again, at each
  /// read, the routes that had failed at the first.
  static func routes(of candidates: [(definition: Definition, helpers: [Definition], unfolds: Bool)], likes: [Definition?],
                     dropsFirst: Bool = false, known: CotangentRoute?) -> [CotangentRoute] {
    var routes: [CotangentRoute] = []
    for like in likes {
      for drops in dropsFirst && like == nil ? [true, false] : [false, true] {
        for (c, helpers, unfolds) in candidates where like == nil || unfolds {
          for ranged in drops || like != nil ? [false] : [false, true] {
            routes.append(CotangentRoute(candidate: c, helpers: helpers, unfolds: unfolds, like: like, drops: drops, ranged: ranged))
          }
        }
      }
    }
    if let known, let k = routes.firstIndex(where: { $0.isSame(as: known) }) { routes.insert(routes.remove(at: k), at: 0) }
    return routes
  }
}
