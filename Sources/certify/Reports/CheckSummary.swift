import Certificates

/// What `certify check --json` prints.
struct CheckSummary: Encodable {
  struct Result: Encodable {
    var file: String
    var name: String? = nil
    /// The checks that ran and passed, in order: `kernel`, `source`, `numeric (...)`.
    var checks: [String] = []
    var rejection: CertificateRejection? = nil
    var milliseconds = 0.0

    enum CodingKeys: String, CodingKey { case file, name, status, checks, step, rule, reason }

    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(file, forKey: .file)
      try c.encodeIfPresent(name, forKey: .name)
      try c.encode(rejection == nil ? "accepted" : "rejected", forKey: .status)
      try c.encode(checks, forKey: .checks)
      try c.encodeIfPresent(rejection?.step, forKey: .step)
      try c.encodeIfPresent(rejection?.rule, forKey: .rule)
      try c.encodeIfPresent(rejection?.reason, forKey: .reason)
    }
  }
  var checked: Int
  var accepted: Int
  var rejected: Int
  var certificates: [Result]

  init(_ results: [Result]) {
    certificates = results
    checked = results.count
    rejected = results.filter { $0.rejection != nil }.count
    accepted = checked - rejected
  }
}
