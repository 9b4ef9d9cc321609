/// A node's attributes by name, with ONNX's defaults, for the operators the importer maps.
struct ONNXAttributes {
  private let byName: [String: Onnx_AttributeProto]

  init(_ node: Onnx_NodeProto) {
    byName = Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
  }

  var names: Set<String> { Set(byName.keys) }

  func int(_ name: String, default value: Int) -> Int {
    byName[name].map { Int($0.i) } ?? value
  }

  func float(_ name: String, default value: Float) -> Float {
    byName[name]?.f ?? value
  }

  func ints(_ name: String) -> [Int]? {
    byName[name].map { $0.ints.map { Int($0) } }
  }

  func string(_ name: String) -> String? {
    byName[name].map { String(decoding: $0.s, as: UTF8.self) }
  }
}
