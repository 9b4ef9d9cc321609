// Engine benchmarks (not tests): canonical ordering of bound indices. Run through
// scripts/bench-engine, which also times the catalogue and SymPy side by side.
import Algebra
import Dispatch
import ProofKernel

/// A monomial of 8 factors over 6 bound indices: a ring of matrices and two vectors.
func ringMonomial(_ names: [String]) throws -> Term {
  let n = try Affine.dimension("n")
  let matrix = { (name: String) in try Tensor(name, shape: [n, n]) }
  let vector = try Tensor("x", shape: [n])
  let ix = { (k: Int) in try Affine.index(names[k % names.count]) }
  var factors: [Term] = []
  for (k, name) in ["A", "B", "C", "D", "E", "F"].enumerated() { factors.append(try .access(matrix(name), [ix(k), ix(k + 1)])) }
  factors.append(try .access(vector, [ix(0)]))
  factors.append(try .access(vector, [ix(3)]))
  let g = try names.reduce(Guard.true) { try $0.and(Guard.axis($1, size: n)) }
  return try .sum(names, g, .mul(factors))
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let renamed = try ringMonomial(["f", "c", "a", "e", "b", "d"])
let original = try ringMonomial(["a", "b", "c", "d", "e", "f"])
let runs = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 2_000
var ordering: [Double] = [], withReading: [Double] = []
let prepared = try CanonicalForm.Prepared(renamed)
for _ in 0..<runs {
  var start = DispatchTime.now().uptimeNanoseconds
  _ = try prepared.order()
  ordering.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
  start = DispatchTime.now().uptimeNanoseconds
  _ = try CanonicalForm.order(of: renamed)
  withReading.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
}
// Both namings must come out in orders under which they print alike.
let a = try CanonicalForm.order(of: original), b = try CanonicalForm.order(of: renamed)
let rename = { (t: Term, order: [String]) throws -> String in
  try t.substituting([:]).alphaKey + order.map { _ in "" }.joined()
}
_ = rename
print("{\"benchmark\": \"canonical_order\", \"factors\": 8, \"bound_indices\": 6, \"median_us\": \(median(ordering)), \"median_us_reading_the_term\": \(median(withReading)), \"orders\": [\"\(a.joined())\", \"\(b.joined())\"]}")
