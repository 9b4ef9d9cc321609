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
          // Rename the derived rule's indices to the stated ones and compare the right sides.
          let map = Dictionary(uniqueKeysWithValues: zip(derived.statement.indices.map(\.name), v.at))
          let same = Statement(name: "\(stated.name) (derived)", location: stated.location,
                               lhs: try derived.statement.rhs.substituting(map), rhs: stated.rhs,
                               assumptions: stated.assumptions, indices: stated.indices)
          let outcome = Prover.prove(same)
          #expect(outcome.proved, "\(stated.name): derived \(derived.text)\n\(outcome.failure.map { "\($0)" } ?? "")")
          count += 1
        }
      }
    }
    #expect(count >= 30)
  }
}
