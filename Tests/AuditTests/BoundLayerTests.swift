import Audit
import Exact
import Foundation
import Testing

/// A layer kind the audits have no transformer for in the fast tier: `y = 2x`, enclosure tiers
/// only. It stands for any layer a user adds without a Float64 error model.
private struct Doubling: BoundLayer {
  let width: Int
  var kind: String { "doubling" }
  var inputWidth: Int { width }
  var outputWidth: Int { width }
  var isAffine: Bool { true }
  func output(at input: [Rational]) -> [Rational] { input.map { 2 * $0 } }
  func transformer<A: BoundArithmetic>(in arithmetic: A) -> any EnclosureTransformer<A> { DoublingEnclosure(arithmetic: arithmetic) }
}

private struct DoublingEnclosure<Arithmetic: BoundArithmetic>: EnclosureTransformer {
  let arithmetic: Arithmetic
  func propagate(_ input: [Arithmetic.Bound]) -> [Arithmetic.Bound] {
    input.map { arithmetic.sum($0, $0) }
  }
  func substitute(_ rows: inout [[Arithmetic.Bound]], _ constants: inout [Arithmetic.Bound], input: [Arithmetic.Bound]) {
    rows = rows.map { $0.map { arithmetic.sum($0, $0) } }
  }
}

/// Layers bring their own bounds (`BoundLayer`): the engines chain them, refuse a layer without a
/// transformer for their tier by name, and bound a network of layers the same as the dense/ReLU
/// network it spells.
@Suite struct BoundLayerTests {
  /// A dense/ReLU network as `LayerNetwork` alternates dense and ReLU layers and evaluates alike.
  @Test func denseNetworkSpellsItsLayers() throws {
    let network = randomNetwork([5, 7, 6, 3], seed: 1)
    let layers = network.layerNetwork
    #expect(layers.kinds == "dense-relu-dense-relu-dense")
    #expect(layers.widths == network.widths)
    var random = SeededGenerator(seed: 3)
    for _ in 0..<5 {
      let x = (0..<5).map { _ in Rational(Int.random(in: 0...255, using: &random), 255) }
      #expect(layers.logits(at: x) == network.logits(at: x))
    }
  }

  /// A layer with no Float64 transformer is refused when the fast tier (and so the robustness
  /// audit, and the attack) is built, naming its position and kind; the enclosure tiers bound it.
  @Test func layerWithoutFastTransformerIsRefusedByName() throws {
    let dense = randomNetwork([3, 4, 2], seed: 5).layers
    let network = try LayerNetwork(layers: [dense[0], ReLULayer(width: 4), Doubling(width: 4), dense[1]])
    #expect(throws: AuditError.unsupportedLayer(position: 3, kind: "doubling", tier: "Float64")) { try FastBounds(network: network) }
    #expect(throws: AuditError.unsupportedLayer(position: 3, kind: "doubling", tier: "Float64")) {
      try RobustnessAudit(network: network, tier: .exact)
    }
    #expect(throws: AuditError.unsupportedLayer(position: 3, kind: "doubling", tier: "Float64")) { try PGDAttack(network: network) }
    #expect("\(AuditError.unsupportedLayer(position: 3, kind: "doubling", tier: "Float64"))"
      == "layer 3 (doubling) has no Float64 bound transformer, so the audit cannot bound it")
    // The exact tier chains the user's transformer: its bounds contain the exact margins.
    let box = try InputBox(pixels: [10, 200, 90], epsilon: Rational(1, 20))
    let engine = IntervalBounds(network: network, arithmetic: ExactArithmetic())
    var random = SeededGenerator(seed: 8)
    for bounds in [engine.intervalBoundPropagation(over: box, trueClass: 1), engine.crown(over: box, trueClass: 1)] {
      for _ in 0..<20 {
        let margins = exactMargins(network.logits(at: randomPoint(in: box, &random)), trueClass: 1)
        #expect(zip(bounds.marginLower, margins).allSatisfy { $0 <= $1 })
        #expect(zip(bounds.marginUpper, margins).allSatisfy { $0 >= $1 })
      }
    }
  }

  /// Malformed layer sequences are errors naming the layers.
  @Test func malformedNetworksAreRefused() throws {
    let dense = randomNetwork([3, 4, 2], seed: 5).layers
    #expect(throws: AuditError.invalidArgument("a network needs at least one layer")) { try LayerNetwork(layers: []) }
    #expect(throws: AuditError.invalidArgument("the last layer is relu, not dense: the margins are bounded through a dense output layer")) {
      try LayerNetwork(layers: [dense[0], ReLULayer(width: 4)])
    }
    #expect(throws: AuditError.invalidArgument("layer 2 (relu) takes 5 inputs but layer 1 (dense) gives 4")) {
      try LayerNetwork(layers: [dense[0], ReLULayer(width: 5), dense[1]])
    }
  }
}
