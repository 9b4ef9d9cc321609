/// The sizes of a model statement: block dimensions and value axes that must be equal, joined
/// (union-find), each class named `N1`, `N2`... in the order it is first asked for, or a number
/// where the trainer fixes the size.
final class DimensionClasses {
  private var parent: [String: String] = [:]
  private var ranks: [String: Int] = [:]
  private var assigned: [String: String] = [:]
  private(set) var names: [String] = []

  private func find(_ key: String) -> String {
    var k = key
    while let p = parent[k], p != k { k = p }
    if k != key { parent[key] = k }
    return k
  }

  /// `a` and `b` are the same size.
  func unify(_ a: String, _ b: String, node: String) throws {
    let (ra, rb) = (find(a), find(b))
    // A class already named (the batch's `B`) keeps its name.
    if ra != rb { if assigned[ra] != nil { parent[rb] = ra } else { parent[ra] = rb } }
  }

  /// Value `value` has `rank` axes: every block reading or writing it must agree.
  func rank(_ value: String, _ rank: Int, node: String) throws {
    if let known = ranks[value], known != rank {
      throw ModelCertificateError.unsupported(node: node, reason: "its block takes \(value) with \(rank) indices, another with \(known)")
    }
    ranks[value] = rank
  }

  /// The number of axes of `value`, once a block has read or written it.
  func rank(of value: String) -> Int? { ranks[value] }

  /// Names `key`'s class `name` (the batch's `B`), before it is asked for.
  func assign(_ key: String, name: String) {
    let root = find(key)
    guard assigned[root] == nil else { return }
    assigned[root] = name
    names.append(name)
  }

  /// States `key`'s class as the number `size` rather than a dimension symbol (an attention's
  /// part axis, 3 in every model the trainer builds), before it is asked for: it is not declared.
  func fix(_ key: String, size: Int) {
    let root = find(key)
    guard assigned[root] == nil else { return }
    assigned[root] = "\(size)"
  }

  /// The name of `key`'s class.
  func name(of key: String) -> String {
    let root = find(key)
    if let n = assigned[root] { return n }
    let n = "N\(names.count + 1 - (names.first == "B" ? 1 : 0))"
    assigned[root] = n
    names.append(n)
    return n
  }

  /// The class names of `value`'s axes.
  func shapeClasses(of value: String) -> [String] { (0..<(ranks[value] ?? 0)).map { name(of: "v:\(value):\($0)") } }

  /// `N1, N2` for `value`.
  func shape(of value: String) -> String { shapeClasses(of: value).joined(separator: ", ") }
}
