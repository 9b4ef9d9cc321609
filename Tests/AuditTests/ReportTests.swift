import Audit
import Certificates
import Exact
import Intervals
import Foundation
import Testing
import Train

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Networks from trainer checkpoints, and the reports of several methods side by side.
@Suite struct ReportTests {
  static let store = CertificateStore(
    directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Certificates"))

  static func checkpoint(_ spec: String) throws -> Checkpoint {
    let model = try Sequential(try ModelSpec(parsing: spec), seed: 3, certificates: store)
    return Checkpoint(model: model)
  }

  /// The audit's network is the trainer's: same weights, dropout skipped, and its exact logits
  /// agree with the trainer's Float32 forward pass to Float32 accuracy.
  @Test func checkpointGivesTheTrainersNetwork() throws {
    let stored = try Self.checkpoint("input 6\ndense 5\nrelu\ndropout keep 0.5\ndense 4\nrelu\ndense 3\nloss softmax_cross_entropy\n")
    let network = try DenseNetwork(checkpoint: stored)
    #expect(network.widths == [6, 5, 4, 3])
    #expect(network.layers[0].weights == stored.arrays[0].value.scalars)
    #expect(network.layers[2].bias == stored.arrays[5].value.scalars)

    let model = try stored.makeModel(certificates: Self.store)
    model.reserve(batchCapacity: 1)
    let input: [Float] = [0.1, 0.9, 0.4, 0, 1, 0.25]
    var output: [Float] = []
    input.withUnsafeBufferPointer { buffer in
      let matrix = UnsafeMatrix(UnsafeMutablePointer(mutating: buffer.baseAddress!), rows: 1, columns: 6)
      let result = model.forward(matrix, training: false)
      output = (0..<3).map { result[0, $0] }
    }
    let exact = network.logits(at: input.map { try! Rational(exactly: Double($0)) })
    for k in 0..<3 { #expect(abs(Double(exact[k]) - Double(output[k])) < 1e-5) }
  }

  @Test func readsCheckpointAndNumPyFilesAlike() throws {
    let stored = try Self.checkpoint("input 4\ndense 3\nrelu\ndense 2\nloss mse\n")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("certify-report-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let ckpt = directory.appendingPathComponent("m.ckpt").path
    try stored.write(to: ckpt)
    let fromCheckpoint = try DenseNetwork(contentsOf: ckpt)
    let npz = directory.appendingPathComponent("m.npz")
    try fromCheckpoint.numpyArchive().zipData().write(to: npz)
    #expect(try DenseNetwork(contentsOf: npz.path) == fromCheckpoint)

    let other = directory.appendingPathComponent("notes.txt").path
    try Data("hello".utf8).write(to: URL(fileURLWithPath: other))
    #expect(throws: AuditError.invalidArgument("\(other): neither a Certify checkpoint, a NumPy .npz archive nor an ONNX model")) {
      try DenseNetwork(contentsOf: other)
    }
    #expect(throws: AuditError.self) { try DenseNetwork(contentsOf: directory.appendingPathComponent("missing.ckpt").path) }
  }

  @Test(arguments: [
    ("input 4\ndense 3\nsigmoid\ndense 2\nloss mse\n", "layer 2 ('sigmoid')"),
    ("input 4\ndense 3\ndense 2\nloss mse\n", "found 'dense' where 'relu' belongs"),
    ("input 4\ndense 3\nrelu\ndense 2\nrelu\nloss mse\n", "the last layer must be dense"),
  ])
  func refusesOtherArchitectures(spec: String, message: String) throws {
    let stored = try Self.checkpoint(spec)
    do {
      _ = try DenseNetwork(checkpoint: stored, path: "m.ckpt")
      Issue.record("accepted \(spec)")
    } catch {
      #expect("\(error)".contains(message), "\(error)")
      #expect("\(error)".hasPrefix("m.ckpt: "))
    }
  }

  static func summary() throws -> RobustnessSummary {
    let data = AuditDriverTests.dataset(count: 30, seed: 8)
    let epsilons = [Rational(1, 100), Rational(3, 100), Rational(1, 10)]
    let reports = try [RobustnessMethod.ibp, .crown].map { method in
      try RobustnessAudit(network: AuditDriverTests.network, method: method).run(data, epsilons: epsilons)
    }
    return RobustnessSummary(reports: reports)
  }

  @Test func summaryTableAndJSONHoldBothMethods() throws {
    let summary = try Self.summary()
    let table = summary.table().split(separator: "\n")
    #expect(table[1].split(separator: " ") == ["epsilon", "ibp", "crown"])
    #expect(table.count == 2 + 3 + 1)
    let json = try JSONSerialization.jsonObject(with: Data(summary.json().utf8)) as! [String: Any]
    let rows = json["results"] as! [[String: Any]]
    #expect(rows.count == 6)
    #expect(rows.map { $0["method"] as! String } == ["ibp", "ibp", "ibp", "crown", "crown", "crown"])
    #expect(rows.map { $0["eps"] as! Double } == [0.01, 0.03, 0.1, 0.01, 0.03, 0.1])
    for (row, result) in zip(rows, summary.reports.flatMap(\.results)) {
      #expect(row["certified"] as? Int == result.certifiedCount)
      #expect(row["certified_accuracy"] as? Double == result.certifiedAccuracy)
    }
    // CROWN certifies at least what IBP does at each ε (its bound is the larger of the two).
    for (ibp, crown) in zip(summary.reports[0].results, summary.reports[1].results) {
      #expect(crown.certifiedCount >= ibp.certifiedCount)
    }
  }

  /// The plot is well-formed XML with an `svg` root, one polyline per method through one point per
  /// ε, each at the height of its certified accuracy.
  @Test func plotIsWellFormedSVG() throws {
    let summary = try Self.summary()
    let svg = summary.svg()
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = ElementCollector()
    parser.delegate = collector
    #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    #expect(collector.elements.first?.name == "svg")
    let lines = collector.elements.filter { $0.name == "polyline" }
    #expect(lines.count == 2)
    for (line, report) in zip(lines, summary.reports) {
      let points = line.attributes["points"]!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
      #expect(points.count == report.results.count)
      #expect(points.map { $0[0] } == points.map { $0[0] }.sorted())
      // y = top + height · (1 − accuracy): higher accuracy is higher on the page (smaller y).
      let order = report.results.indices.sorted { points[$0][1] < points[$1][1] }
      #expect(order.map { report.results[$0].certifiedAccuracy } == order.map { report.results[$0].certifiedAccuracy }.sorted(by: >))
    }
  }
}

/// The elements of an XML document, in order.
private final class ElementCollector: NSObject, XMLParserDelegate {
  var elements: [(name: String, attributes: [String: String])] = []
  func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
    elements.append((name, attributes))
  }
}
