import Exact
import Intervals
import Foundation

/// Certified accuracy against ε as an SVG line chart: one curve per method (IBP and CROWN side by
/// side on the same axes), the clean accuracy as a dashed ceiling, each point labelled with its
/// value. Plain SVG 1.1 with no scripts or external fonts, so any browser renders it.
struct AccuracyPlot {
  let summary: RobustnessSummary

  private let width = 820.0, height = 460.0
  private let left = 72.0, right = 200.0, top = 56.0, bottom = 64.0
  private static let colours: [RobustnessMethod: String] = [.ibp: "#1f77b4", .crown: "#d62728", .alphaCROWN: "#9467bd", .bab: "#ff7f0e"]
  private static let attackColour = "#2ca02c"
  private static let markers: [RobustnessMethod: String] = [.ibp: "circle", .crown: "square", .alphaCROWN: "circle", .bab: "square"]

  private var plotWidth: Double { width - left - right }
  private var plotHeight: Double { height - top - bottom }

  func svg() -> String {
    let reports = summary.reports
    let first = reports[0]
    let epsilons = summary.epsilons.map { Double($0) }
    let xTicks = Self.ticks(upTo: max(epsilons.max() ?? 0, 1e-12))
    let xMax = xTicks.last!
    func x(_ eps: Double) -> Double { left + plotWidth * eps / xMax }
    func y(_ accuracy: Double) -> Double { top + plotHeight * (1 - accuracy) }

    var out: [String] = []
    out.append(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">")
    let network = first.widths.map(String.init).joined(separator: "-")
    out.append("<title>Certified accuracy against epsilon, network \(network)</title>")
    out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
    out.append(text(left, 24, "Certified accuracy under L∞ perturbations", size: 16, weight: "bold"))
    out.append(text(left, 42, "network \(network), \(first.tier) tier, \(first.examples) images; sound bounds", size: 12, fill: "#555"))

    // Grid and axes.
    for percent in stride(from: 0, through: 100, by: 20) {
      let py = y(Double(percent) / 100)
      out.append(line(left, py, left + plotWidth, py, stroke: "#e3e3e3"))
      out.append(text(left - 8, py + 4, "\(percent)%", anchor: "end"))
    }
    for tick in xTicks {
      let px = x(tick)
      out.append(line(px, top, px, top + plotHeight, stroke: "#f0f0f0"))
      out.append(line(px, top + plotHeight, px, top + plotHeight + 5, stroke: "#333"))
      out.append(text(px, top + plotHeight + 20, Self.format(tick), anchor: "middle"))
    }
    out.append(line(left, top + plotHeight, left + plotWidth, top + plotHeight, stroke: "#333"))
    out.append(line(left, top, left, top + plotHeight, stroke: "#333"))
    out.append(text(left + plotWidth / 2, height - 18, "ε (L∞ radius, pixels scaled to [0, 1])", anchor: "middle"))
    out.append(
      "<text transform=\"translate(20 \(fmt(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">"
        + (summary.attacks.isEmpty ? "certified accuracy" : "accuracy") + "</text>")

    // Clean accuracy: no sound method certifies more.
    let clean = y(first.cleanAccuracy)
    out.append(line(left, clean, left + plotWidth, clean, stroke: "#777", dash: "6 4"))

    // One curve per method.
    for report in reports {
      let colour = Self.colours[report.method] ?? "#2ca02c"
      let points = report.results.sorted { $0.epsilon < $1.epsilon }.map { (x(Double($0.epsilon)), y($0.certifiedAccuracy), $0.certifiedAccuracy) }
      let path = points.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ")
      out.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.5\"/>")
      for (px, py, accuracy) in points {
        out.append(marker(report.method, px, py, colour))
        // CROWN's labels above its points (IBP's below): the two curves never cross, CROWN being the
        // higher. With an attack curve above CROWN's, CROWN's labels move left and the attack's right.
        let label = String(format: "%.1f%%", 100 * accuracy)
        if report.method == .ibp || report.method == .alphaCROWN {
          out.append(text(px, py + 20, label, size: 11, fill: colour, anchor: "middle", halo: true))
        } else if summary.attacks.isEmpty {
          out.append(text(px, py - 10, label, size: 11, fill: colour, anchor: "middle", halo: true))
        } else {
          out.append(text(px - 7, py - 9, label, size: 11, fill: colour, anchor: "end", halo: true))
        }
      }
    }

    // The attack: robust accuracy lies between the certified curves and this one.
    if !summary.attacks.isEmpty {
      let points = summary.attacks.sorted { $0.epsilon < $1.epsilon }.map { (x(Double($0.epsilon)), y($0.unbrokenAccuracy), $0.unbrokenAccuracy) }
      out.append("<polyline points=\"\(points.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(Self.attackColour)\" stroke-width=\"2\" stroke-dasharray=\"3 3\"/>")
      for (px, py, accuracy) in points {
        out.append("<path d=\"M\(fmt(px)) \(fmt(py - 5)) L\(fmt(px + 5)) \(fmt(py)) L\(fmt(px)) \(fmt(py + 5)) L\(fmt(px - 5)) \(fmt(py))Z\" fill=\"\(Self.attackColour)\"/>")
        out.append(text(px + 7, py - 9, String(format: "%.1f%%", 100 * accuracy), size: 11, fill: Self.attackColour, halo: true))
      }
    }

    // Legend.
    var ly = top + 10
    let lx = left + plotWidth + 55  // clear of the value labels right of the last points
    for report in reports {
      let colour = Self.colours[report.method] ?? "#2ca02c"
      out.append(line(lx, ly, lx + 28, ly, stroke: colour, width: 2.5))
      out.append(marker(report.method, lx + 14, ly, colour))
      out.append(text(lx + 36, ly + 4, report.method.rawValue.uppercased()))
      ly += 24
    }
    if !summary.attacks.isEmpty {
      out.append(line(lx, ly, lx + 28, ly, stroke: Self.attackColour, width: 2, dash: "3 3"))
      out.append(text(lx + 36, ly + 4, "PGD"))
      out.append(text(lx + 36, ly + 20, "not broken", size: 11, fill: "#555"))
      ly += 40
    }
    out.append(line(lx, ly, lx + 28, ly, stroke: "#777", dash: "6 4"))
    out.append(text(lx + 36, ly + 4, "clean"))
    out.append(text(lx + 36, ly + 20, String(format: "%.2f%%", 100 * first.cleanAccuracy), size: 11, fill: "#555"))
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  // MARK: - Elements

  private func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

  private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) -> String {
    "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(width)\""
      + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>"
  }

  private func text(
    _ x: Double, _ y: Double, _ content: String, size: Int = 13, weight: String = "normal", fill: String = "#222", anchor: String = "start",
    halo: Bool = false
  ) -> String {
    // A white outline painted under the glyphs keeps a value label readable over grid and curves.
    let outline = halo ? " stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\"" : ""
    return "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(size)\" font-weight=\"\(weight)\" fill=\"\(fill)\" text-anchor=\"\(anchor)\"\(outline)>"
      + Self.escaped(content) + "</text>"
  }

  private func marker(_ method: RobustnessMethod, _ x: Double, _ y: Double, _ colour: String) -> String {
    Self.markers[method] == "square"
      ? "<rect x=\"\(fmt(x - 4.5))\" y=\"\(fmt(y - 4.5))\" width=\"9\" height=\"9\" fill=\"\(colour)\"/>"
      : "<circle cx=\"\(fmt(x))\" cy=\"\(fmt(y))\" r=\"4.5\" fill=\"\(colour)\"/>"
  }

  static func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
  }

  // MARK: - Axis

  /// Round ticks from 0 to at least `maximum`: steps of 1, 2 or 5 times a power of ten, 4 to 10 of them.
  static func ticks(upTo maximum: Double) -> [Double] {
    let magnitude = pow(10, floor(log10(maximum / 5)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { maximum / $0 <= 6 } ?? 10 * magnitude
    let count = Int((maximum / step).rounded(.up))
    return (0...max(count, 1)).map { Double($0) * step }
  }

  /// A tick label without float noise: `0.005`, not `0.0050000000000000001`.
  static func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    var text = String(format: "%.6f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }
}
