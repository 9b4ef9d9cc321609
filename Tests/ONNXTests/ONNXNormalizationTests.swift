import Audit
import Exact
import Foundation
import Testing
import Train
@testable import ONNX

/// Input normalisation, `(x − mean) / std` as `Sub` and `Div` of constants before the first layer:
/// read exactly, bounded as an affine layer in front of the network, refused by name elsewhere.
@Suite struct ONNXNormalizationTests {
  typealias T = ONNXImportTests
  static let mean: [Float] = [0.1307, 0.25, -0.5, 0.2]
  static let std: Float = 0.3081

  /// `x − mean` (one value per input), `/ std` (one number), then dense-relu-dense.
  static func normalised(_ extra: [Onnx_NodeProto] = []) -> Data {
    T.model([
      T.node("Sub", "norm_sub", ["x", "mean"], "centred"),
      T.node("Div", "norm_div", ["centred", "std"], "xn"),
      T.node("Gemm", "fc1", ["xn", "W1"], "h", ints: ["transB": 1]),
      T.node("Relu", "relu", ["h"], "r"),
      T.node("Gemm", "fc2", ["r", "W2"], "y", ints: ["transB": 1]),
    ], constants: [T.tensor("mean", [1, 4], mean), T.tensor("std", [], [std]), T.w1, T.w2])
  }

  @Test func subAndDivOfConstantsAreReadExactly() throws {
    let imported = try ONNXImport(data: Self.normalised(), certificates: .builtIn)
    #expect(imported.checkpoint.spec.layers.map(\.text) == ["dense 3", "relu", "dense 2"])
    let n = try #require(imported.inputNormalization)
    let s = try Rational(exactly: Double(Self.std))
    for i in 0..<4 {
      #expect(n.scale[i] == 1 / s)
      #expect(n.shift[i] == -(try Rational(exactly: Double(Self.mean[i]))) / s)
    }
    #expect(imported.notes.contains { $0.contains("'norm_sub' (Sub): Sub of a constant read as the input's normalisation") })
    // Float32, each step rounded, as ONNX Runtime computes it.
    #expect(n.apply([0.5, 0, 1, 0.75]) == (0..<4).map { ([0.5, 0, 1, 0.75] as [Float])[$0] - Self.mean[$0] }.map { $0 / Self.std })
  }

  /// The audits' network is the normalisation, exactly, then the layers: its logits at a point are
  /// the layers' logits at `(x − mean) / std` computed here in rationals.
  @Test func theAuditsBoundTheNormalisedNetworkExactly() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("normalised-\(UUID().uuidString).onnx").path
    try Self.normalised().write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let network = try LayerNetwork(contentsOf: path)
    #expect(network.layers.map(\.kind) == ["normalize", "dense", "relu", "dense"])
    let layers = try LayerNetwork(checkpoint: try ONNXImport(data: Self.normalised(), certificates: .builtIn).checkpoint)
    let x = [Rational(1, 2), 0, 1, Rational(3, 7)]
    let s = try Rational(exactly: Double(Self.std))
    let normalised = try (0..<4).map { (x[$0] - (try Rational(exactly: Double(Self.mean[$0])))) / s }
    #expect(network.logits(at: x) == layers.logits(at: normalised))
    // A command that cannot read it says so rather than dropping it.
    #expect(throws: ONNXError.self) { try Checkpoint.load(checkpointOrONNX: path, certificates: .builtIn) }
    #expect(try Checkpoint.loadModel(checkpointOrONNX: path, certificates: .builtIn).inputNormalization != nil)
  }

  @Test func constantsBroadcastAsNumPyBroadcasts() {
    // Per channel ([C, 1, 1]) over a 2x2x2 image; a [2] aligns with the last axis, as in NumPy.
    #expect(ONNXGraphReader.broadcast([1, 2], dims: [1, 2, 1, 1], to: [2, 2, 2]) == [1, 1, 1, 1, 2, 2, 2, 2])
    #expect(ONNXGraphReader.broadcast([1, 2], dims: [2], to: [2, 2, 2]) == [1, 2, 1, 2, 1, 2, 1, 2])
    #expect(ONNXGraphReader.broadcast([5], dims: [], to: [3]) == [5, 5, 5])
    #expect(ONNXGraphReader.broadcast([1, 2, 3], dims: [3], to: [2, 2, 2]) == nil)
    #expect(ONNXGraphReader.broadcast([1, 2], dims: [2, 1, 1, 1], to: [1, 2, 2]) == nil, "a batch axis of 2")
  }

  @Test(arguments: [
    // After the first layer.
    ([T.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]), T.node("Sub", "late", ["h", "c3"], "hc"),
      T.node("Relu", "relu", ["hc"], "r"), T.node("Gemm", "fc2", ["r", "W2"], "y", ints: ["transB": 1])],
     "node 2 'late' (Sub): Sub of a constant is read only as input normalisation, on the model's input before its first layer"),
    // The constant first: c − x.
    ([T.node("Sub", "flip", ["mean", "x"], "xn"), T.node("Gemm", "fc1", ["xn", "W1"], "h", ints: ["transB": 1]),
      T.node("Relu", "relu", ["h"], "r"), T.node("Gemm", "fc2", ["r", "W2"], "y", ints: ["transB": 1])],
     "node 1 'flip' (Sub): only x - c with a constant c is read"),
    // By zero.
    ([T.node("Div", "zero", ["x", "zero"], "xn"), T.node("Gemm", "fc1", ["xn", "W1"], "h", ints: ["transB": 1]),
      T.node("Relu", "relu", ["h"], "r"), T.node("Gemm", "fc2", ["r", "W2"], "y", ints: ["transB": 1])],
     "node 1 'zero' (Div): it divides by 0"),
    // Of two computed values.
    ([T.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]), T.node("Relu", "relu", ["h"], "r"),
      T.node("Sub", "diff", ["r", "h"], "d"), T.node("Gemm", "fc2", ["d", "W2"], "y", ints: ["transB": 1])],
     "node 3 'diff' (Sub): Sub is read only of the input and a constant c, as x - c"),
    // The raw input read by another node too.
    ([T.node("Sub", "norm", ["x", "mean"], "xn"), T.node("Gemm", "fc1", ["xn", "W1"], "h", ints: ["transB": 1]),
      T.node("Gemm", "skip", ["x", "W1"], "k", ints: ["transB": 1]), T.node("Add", "sum", ["h", "k"], "s"),
      T.node("Gemm", "fc2", ["s", "W2"], "y", ints: ["transB": 1])],
     "node 1 'norm' (Sub): 'x' is read by other nodes too"),
  ] as [([Onnx_NodeProto], String)])
  func misplacedSubAndDivAreRefusedByNode(nodes: [Onnx_NodeProto], message: String) {
    let constants = [T.tensor("mean", [4], Self.mean), T.tensor("c3", [3], [1, 2, 3]), T.tensor("zero", [1], [0]), T.w1, T.w2]
    let refusal = T.refusal(T.model(nodes, constants: constants))
    #expect(refusal?.contains(message) == true, "\(refusal ?? "read")")
  }
}
