import Foundation
import ProofKernel
import Testing
@testable import Algebra

/// The checked-in catalogue: every statement of Theorems/ is proved, and `derive` reproduces every
/// stated layer rule (the derived and stated right sides have the same normal form).
@Suite("Theorems/ catalogue")
struct CatalogueTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static func documents() throws -> [Document] {
    let folder = root.appendingPathComponent("Theorems")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".thm") }.sorted()
    return try files.map { name in
      try TheoremLanguage.parse(String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8), file: "Theorems/" + name)
    }
  }

  @Test func everyStatementIsProved() throws {
    var count = 0
    for document in try Self.documents() {
      for statement in document.statements {
        let outcome = Prover.prove(statement)
        #expect(outcome.proved, "\(statement.name): \(outcome.failure.map { "\($0)" } ?? "")")
        count += 1
      }
    }
    #expect(count >= 40)
  }

  @Test func deriveReproducesEveryStatedRule() throws {
    var count = 0
    for document in try Self.documents() {
      for layer in document.layers {
        for stated in layer.rules {
          guard case let .vjp(v) = stated.lhs.node else { continue }
          let derived = try Deriver.derive(layer, wrt: v.wrt)
          #expect(derived.outcome.proved, "\(derived.text)")
          // Rename the derived rule's indices to the stated ones and compare the right sides, paired
          // with a free direction and summed over the shape (equal for every direction is equal at
          // every index), so side conditions are met under the sum, where the layer states them.
          let map = Dictionary(uniqueKeysWithValues: zip(derived.statement.indices.map(\.name), v.at))
          let direction = try TensorSymbol("direction", shape: v.wrt.shape)
          func paired(_ g: Term) throws -> Term {
            try .sum(stated.indices.map(\.name), try v.wrt.shapeGuard(v.at), .mul([try .access(direction, v.at), g]))
          }
          let same = Statement(name: "\(stated.name) (derived)", location: stated.location,
                               lhs: try paired(try derived.statement.rhs.substituting(map)), rhs: try paired(stated.rhs),
                               assumptions: stated.assumptions, indices: [])
          // Compared as the adjoint identity is: both sides read `direction` and the seed at plain
          // indices (a flipped-kernel correlation meets the transposed convolution derive prints).
          let builder = ProofBuilder()
          var normalizer = Normalizer(avoiding: Prover.names(in: [same.lhs, same.rhs]))
          do {
            let equation = try Prover.equal(same.lhs, same.rhs, same, builder, &normalizer, direction: direction, seed: layer.seed)
            _ = try builder.apply(.discharge(equation, stating: try same.hypotheses))
          } catch {
            Issue.record("\(stated.name): derived \(derived.text)\n\(error)")
          }
          count += 1
        }
      }
    }
    #expect(count >= 30)
  }
}
