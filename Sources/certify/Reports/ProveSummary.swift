/// What `certify prove --json` prints.
struct ProveSummary: Encodable {
  struct Entry: Encodable {
    var name: String
    var file: String
    var status: String
    var ms: Double
    var counterexample: String?
    var reason: String?
  }
  var theorems: [Entry]
  var proved: Int
  var failed: Int
}
