internal import ProofKernel

/// The occurrences of a monomial's bound indices, as integers: the coloured hypergraph of
/// Docs/Engine.md ("Canonical order of bound indices"). Items are the factors and the guard's
/// constraints; each item has a shape (everything about it but which bound index sits where, interned to an integer)
/// and a list of occurrences (bound index, slot, coefficient). Nothing here depends on the names of
/// the bound indices, so the colours and keys are invariant under renaming.
struct BinderGraph {
  /// Per item: its shape's number.
  var shapes: [Int] = []
  /// Per item: (bound index number, slot, coefficient) for each occurrence.
  var occurrences: [[(binder: Int, slot: Int, coefficient: Int)]] = []
  let count: Int
  /// True when every item is an access or a constraint, so `key` describes the monomial fully.
  var complete = true

  init(_ m: Monomial) throws {
    count = m.binders.count
    var number: [String: Int] = [:]
    for (k, b) in m.binders.enumerated() { number[b] = k }
    var items: [ItemShape] = []
    items.reserveCapacity(m.factors.count + m.guardTerm.constraints.count)
    func slot(_ e: Affine, _ k: Int, into occ: inout [(binder: Int, slot: Int, coefficient: Int)]) -> SlotShape {
      var shape = SlotShape(constant: e.constant)
      for (v, c) in e.terms {
        if case let .index(n) = v, let b = number[n] {
          occ.append((b, k, c))
          shape.binderCoefficients.append(c)
        } else {
          shape.others.append((v, c))
        }
      }
      shape.binderCoefficients.sort()
      return shape
    }
    for f in m.factors {
      var occ: [(binder: Int, slot: Int, coefficient: Int)] = []
      if case let .access(t, idx) = f.atom.node {
        items.append(ItemShape(kind: 0, name: t.name, exponent: f.exponent, slots: idx.enumerated().map { slot($1, $0, into: &occ) }))
      } else {
        complete = false
        let blank = try f.atom.substituting(Dictionary(uniqueKeysWithValues: m.binders.map { ($0, try Affine.index("_b")) }))
        items.append(ItemShape(kind: 3, name: blank.key, exponent: f.exponent, slots: []))
        for b in f.atom.freeIndices { if let k = number[b] { occ.append((k, -1, 0)) } }
      }
      occurrences.append(occ)
    }
    for c in m.guardTerm.constraints {
      var occ: [(binder: Int, slot: Int, coefficient: Int)] = []
      items.append(ItemShape(kind: c.relation == .equal ? 1 : 2, name: "", exponent: 1, slots: [slot(c.expression, 0, into: &occ)]))
      occurrences.append(occ)
    }
    // Shape numbers: ranks in the sorted order of shapes.
    let order = items.indices.sorted { items[$0] < items[$1] }
    shapes = [Int](repeating: 0, count: items.count)
    var r = 0
    for (p, k) in order.enumerated() {
      if p > 0 && items[order[p - 1]] < items[k] { r += 1 }
      shapes[k] = r
    }
  }

  /// Colour refinement: each bound index starts with the multiset of (item shape, slot,
  /// coefficient) it occurs at, then takes in the colours of the items it occurs in, until the
  /// number of colours stops growing. Colours are ranks of sorted signatures: deterministic.
  func refinedColours() -> [Int] {
    var byBinder = [[Int]](repeating: [], count: count)  // flat (item, slot, coefficient) triples
    for (k, occ) in occurrences.enumerated() {
      for o in occ { byBinder[o.binder].append(k); byBinder[o.binder].append(o.slot); byBinder[o.binder].append(o.coefficient) }
    }
    var colours = rank((0..<count).map { b in triples(byBinder[b], shapes) })
    var classes = colours.max().map { $0 + 1 } ?? 0
    while classes < count {
      let itemColours = rank(occurrences.indices.map { k in
        [shapes[k]] + sortedTriples(occurrences[k].flatMap { [$0.slot, $0.coefficient, colours[$0.binder]] })
      })
      colours = rank((0..<count).map { b in [colours[b]] + triples(byBinder[b], itemColours) })
      let refined = colours.max().map { $0 + 1 } ?? 0
      if refined == classes { break }
      classes = refined
    }
    return colours
  }

  /// The (item, slot, coefficient) triples of `flat` with each item replaced by its `label`,
  /// sorted as triples.
  private func triples(_ flat: [Int], _ label: [Int]) -> [Int] {
    var out = flat
    var k = 0
    while k < out.count { out[k] = label[out[k]]; k += 3 }
    return sortedTriples(out)
  }

  /// The monomial described under an order of its bound indices (`order[p]` is the index at
  /// position p): items as (shape, occurrences with positions), sorted.
  func key(_ order: [Int]) -> [Int] {
    var position = [Int](repeating: 0, count: count)
    for (p, b) in order.enumerated() { position[b] = p }
    return occurrences.indices.map { k in
      [shapes[k], occurrences[k].count] + sortedTriples(occurrences[k].flatMap { [$0.slot, $0.coefficient, position[$0.binder]] })
    }.sorted(by: lexicographic).flatMap { $0 }
  }
}

/// Sorts a flat array of triples as triples.
func sortedTriples(_ flat: [Int]) -> [Int] {
  let n = flat.count / 3
  if n <= 1 { return flat }
  let order = (0..<n).sorted { (a: Int, b: Int) -> Bool in
    let x: (Int, Int, Int) = (flat[3 * a], flat[3 * a + 1], flat[3 * a + 2])
    let y: (Int, Int, Int) = (flat[3 * b], flat[3 * b + 1], flat[3 * b + 2])
    return x < y
  }
  var out = [Int](repeating: 0, count: flat.count)
  for (p, k) in order.enumerated() {
    out[3 * p] = flat[3 * k]
    out[3 * p + 1] = flat[3 * k + 1]
    out[3 * p + 2] = flat[3 * k + 2]
  }
  return out
}

func lexicographic(_ a: [Int], _ b: [Int]) -> Bool { a.lexicographicallyPrecedes(b) }

/// The rank of each signature among the distinct signatures, sorted.
func rank(_ signatures: [[Int]]) -> [Int] {
  let order = signatures.indices.sorted { signatures[$0].lexicographicallyPrecedes(signatures[$1]) }
  var ranks = [Int](repeating: 0, count: signatures.count)
  var r = 0
  for (p, k) in order.enumerated() {
    if p > 0 && signatures[order[p - 1]] != signatures[k] { r += 1 }
    ranks[k] = r
  }
  return ranks
}

extension Array: @retroactive Comparable where Element == Int {
  public static func < (a: [Int], b: [Int]) -> Bool { a.lexicographicallyPrecedes(b) }
}

/// One slot of an item: its constant, its variables other than the monomial's bound indices, and
/// the sorted coefficients of the bound indices (which ones they are is in the occurrences).
struct SlotShape {
  var constant: Int
  var others: [(variable: Variable, coefficient: Int)] = []
  var binderCoefficients: [Int] = []

  init(constant: Int) { self.constant = constant }

  static func < (a: SlotShape, b: SlotShape) -> Bool {
    if a.constant != b.constant { return a.constant < b.constant }
    if a.others.count != b.others.count { return a.others.count < b.others.count }
    for (x, y) in zip(a.others, b.others) where x.variable != y.variable || x.coefficient != y.coefficient {
      return x.variable != y.variable ? x.variable < y.variable : x.coefficient < y.coefficient
    }
    return a.binderCoefficients.lexicographicallyPrecedes(b.binderCoefficients)
  }
}

/// Everything about an item but which bound index sits where.
struct ItemShape {
  var kind: Int  // 0 access, 1 equality, 2 inequality, 3 other atom
  var name: String
  var exponent: Int
  var slots: [SlotShape]

  static func < (a: ItemShape, b: ItemShape) -> Bool {
    if a.kind != b.kind { return a.kind < b.kind }
    if a.name != b.name { return a.name < b.name }
    if a.exponent != b.exponent { return a.exponent < b.exponent }
    if a.slots.count != b.slots.count { return a.slots.count < b.slots.count }
    for (x, y) in zip(a.slots, b.slots) {
      if x < y { return true }
      if y < x { return false }
    }
    return false
  }
}
