// Reading the members of JSON objects by name and type, and the writer's string escaping.

enum JSONText {
  /// `"text"` with `"`, `\` and control characters escaped; everything else as is (UTF-8).
  static func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }

  static func strings(_ xs: [String]) -> String { "[" + xs.map(quoted).joined(separator: ", ") + "]" }
  static func integers(_ xs: [Int]) -> String { "[" + xs.map(String.init).joined(separator: ", ") + "]" }
}

/// Reads the members of one object, each at most once, and refuses members nobody asked for.
struct JSONFields {
  let path: String
  let step: Int?
  private var members: [String: JSONValue] = [:]
  private var order: [String] = []
  private var used: Set<String> = []

  init(_ value: JSONValue, path: String, step: Int? = nil) throws(CertificateError) {
    self.path = path
    self.step = step
    guard case let .object(ms) = value else { throw .field(path, step: step, reason: "expected an object, found \(value.kind)") }
    for (k, v) in ms { members[k] = v; order.append(k) }
  }

  func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

  func error(_ key: String, _ reason: String) -> CertificateError { .field(name(key), step: step, reason: reason) }

  var keys: [String] { order }

  mutating func value(_ key: String) throws(CertificateError) -> JSONValue {
    guard let v = members[key] else { throw error(key, "missing") }
    used.insert(key)
    return v
  }

  mutating func string(_ key: String) throws(CertificateError) -> String {
    let v = try value(key)
    guard case let .string(s) = v else { throw error(key, "expected a string, found \(v.kind)") }
    return s
  }

  mutating func integer(_ key: String) throws(CertificateError) -> Int {
    let v = try value(key)
    return try JSONFields.integer(v, name(key), step)
  }

  mutating func array(_ key: String) throws(CertificateError) -> [JSONValue] {
    let v = try value(key)
    guard case let .array(xs) = v else { throw error(key, "expected an array, found \(v.kind)") }
    return xs
  }

  mutating func strings(_ key: String) throws(CertificateError) -> [String] {
    var out: [String] = []
    for (k, v) in try array(key).enumerated() {
      guard case let .string(s) = v else { throw .field("\(name(key))[\(k)]", step: step, reason: "expected a string, found \(v.kind)") }
      out.append(s)
    }
    return out
  }

  mutating func integers(_ key: String) throws(CertificateError) -> [Int] {
    var out: [Int] = []
    for (k, v) in try array(key).enumerated() { out.append(try JSONFields.integer(v, "\(name(key))[\(k)]", step)) }
    return out
  }

  /// Refuses members that were not read.
  func finish() throws(CertificateError) {
    if let extra = order.first(where: { !used.contains($0) }) { throw error(extra, "not a field here") }
  }

  static func integer(_ v: JSONValue, _ name: String, _ step: Int?) throws(CertificateError) -> Int {
    guard case let .number(text) = v else { throw .field(name, step: step, reason: "expected an integer, found \(v.kind)") }
    guard let n = Int(text) else { throw .field(name, step: step, reason: "\(text) is not an integer in machine range") }
    return n
  }
}
