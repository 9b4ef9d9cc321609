/// What `certify derive --json` prints.
struct DeriveSummary: Encodable {
  struct Entry: Encodable {
    var wrt: String
    var rule: String
    var proved: Bool
    var ms: Double
    var reason: String?
  }
  var layer: String
  var file: String
  var rules: [Entry]
}
