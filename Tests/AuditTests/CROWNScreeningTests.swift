@testable import Audit
import Exact
import Testing

/// CROWN's screening (`FastBounds.undecidedBoxes`): the boxes that skip CROWN are ones whose
/// verdict it cannot change, so the fast tier certifies the same boxes with and without it.
@Suite struct CROWNScreeningTests {
  /// On the small CNNs of `WindowedCROWNTests`, half the boxes labelled with the Float64 class at
  /// the center and half with another class (misclassified, which the screening must catch).
  @Test func screenedBoxesAreOnesCROWNCannotChange() throws {
    var random = SeededGenerator(seed: 11)
    var screened = 0, certified = 0
    for (k, shape) in WindowedCROWNTests.shapes.enumerated() {
      let fast = try FastBounds(network: WindowedCROWNTests.network(seed: UInt64(k + 1), shape))
      for epsilon in [Rational(1, 200), Rational(1, 50)] {
        let count = 12, rows = 2
        let pixels = (0..<count).map { _ in randomPixels(98, &random) }
        let boxes = try pixels.map { try InputBox(pixels: $0, epsilon: epsilon) }
        let labels: [Int] = pixels.enumerated().map { b, image in
          let logits = fast.logits(image.map { Double($0) / 255 })
          let best = logits.indices.max { logits[$0] < logits[$1] }!
          return b % 2 == 0 ? best : (best + 1) % 3
        }
        let batch = FastBounds.batch(boxes[...], width: 98)
        let workspace = FastWorkspace()
        let screening = fast.crown(batch, labels: labels[...], keepHidden: false, onlyUndecided: true, workspace)
        let everyBox = fast.crown(batch, labels: labels[...], keepHidden: false, onlyUndecided: false, workspace)
        let ibp = fast.intervalBoundPropagation(batch, labels: labels[...], keepHidden: false, workspace)
        let undecided = Set(fast.undecidedBoxes(batch, ibp: ibp, labels: labels[...], workspace))
        for b in 0..<count {
          let range = (b * rows)..<((b + 1) * rows)
          let isCertified = range.allSatisfy { everyBox.marginLower[$0] > 0 }
          #expect(range.allSatisfy { screening.marginLower[$0] > 0 } == isCertified, "shape \(k) ε \(epsilon) box \(b)")
          if !undecided.contains(b) {
            screened += 1
            #expect(range.allSatisfy { screening.crownMarginLower![$0].isNaN })
            // Screened: CROWN on the box certifies it only where IBP alone does.
            #expect(!isCertified || range.allSatisfy { ibp.marginLower[$0] > 0 }, "shape \(k) ε \(epsilon) box \(b)")
          }
          if isCertified { certified += 1 }
        }
      }
    }
    #expect(screened > 0 && certified > 0, "screened \(screened), certified \(certified)")
  }

  /// The one-step FGSM corners of the screening lie in the exact boxes, and every box settled by
  /// its corner alone (IBP and the midpoint leave it open) is misclassified there by the exact
  /// network, in rationals: such a box cannot be certified. Some boxes are settled so.
  @Test func attackCornersAreMisclassifiedPointsOfTheBox() throws {
    var random = SeededGenerator(seed: 5)
    var settledByCorner = 0
    for (k, shape) in WindowedCROWNTests.shapes.enumerated() {
      let network = try WindowedCROWNTests.network(seed: UInt64(k + 1), shape)
      let fast = try FastBounds(network: network)
      for epsilon in [Rational(1, 50), Rational(1, 20)] {
        let count = 16, rows = 2
        let pixels = (0..<count).map { _ in randomPixels(98, &random) }
        let boxes = try pixels.map { try InputBox(pixels: $0, epsilon: epsilon) }
        let labels: [Int] = pixels.map { image in
          let logits = fast.logits(image.map { Double($0) / 255 })
          return logits.indices.max { logits[$0] < logits[$1] }!
        }
        let batch = FastBounds.batch(boxes[...], width: 98)
        let workspace = FastWorkspace()
        let ibp = fast.intervalBoundPropagation(batch, labels: labels[...], keepHidden: false, workspace)
        let midpoint = zip(batch.lower, batch.upper).map { ($0 + $1) / 2 }
        let point = fast.intervalBoundPropagation(
          BoxBatch(count: count, width: 98, lower: midpoint, upper: midpoint), labels: labels[...], keepHidden: false, workspace)
        let corners = fast.attackCorners(batch, Array(0..<count), from: midpoint, pointMargins: point, labels: labels[...])
        let undecided = Set(fast.undecidedBoxes(batch, ibp: ibp, labels: labels[...], workspace))
        for b in 0..<count {
          let corner = try corners[(b * 98)..<((b + 1) * 98)].map { try Rational(exactly: $0) }
          #expect(boxes[b].contains(corner), "shape \(k) ε \(epsilon) box \(b)")
          let range = (b * rows)..<((b + 1) * rows)
          let open = !range.contains { ibp.marginUpper[$0] <= 0 || point.marginUpper[$0] <= 0 } && !range.allSatisfy { ibp.marginLower[$0] > 0 }
          guard open && !undecided.contains(b) else { continue }
          settledByCorner += 1
          let logits = network.logits(at: corner)
          #expect(logits.indices.contains { $0 != labels[b] && logits[$0] >= logits[labels[b]] }, "shape \(k) ε \(epsilon) box \(b)")
        }
      }
    }
    #expect(settledByCorner > 0)
  }
}
