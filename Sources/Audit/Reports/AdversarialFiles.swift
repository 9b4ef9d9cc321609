import Exact
import Foundation

/// Writes the examples an attack found: per broken image, `image-<index>-eps-<ε>.npy` (the point's
/// exact Float64 coordinates, shaped as the image) and a `.png` beside it for looking at (pixels
/// rounded to 8 bits, so the PNG itself need not be adversarial).
public enum AdversarialFiles {
  /// Writes every example of `attack` into `directory` (created if missing) and returns, per
  /// image, the `.npy` file's name (nil where there is no example).
  /// - Parameter shape: the image's shape, e.g. `[28, 28]`; a PNG is written when it has two axes.
  /// - Throws: `AuditError.unwritableFile` when the directory or a file cannot be written.
  public static func write(_ attack: AttackResult, shape: [Int], to directory: URL) throws(AuditError) -> [String?] {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw AuditError.unwritableFile(path: directory.path, reason: error.localizedDescription)
    }
    var names: [String?] = []
    for (index, example) in attack.examples.enumerated() {
      guard let example else {
        names.append(nil)
        continue
      }
      let stem = "image-\(index)-eps-\(decimal(attack.epsilon).replacingOccurrences(of: "/", with: "over"))"
      let array = try NumPyArray(name: stem, shape: shape, elements: .float64(example))
      try save(array.npyData(), to: directory.appendingPathComponent(stem + ".npy"))
      if shape.count == 2 {
        let bytes = example.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
        try save(GrayscalePNG(width: shape[1], height: shape[0], pixels: bytes).data, to: directory.appendingPathComponent(stem + ".png"))
      }
      names.append(stem + ".npy")
    }
    return names
  }

  private static func save(_ bytes: [UInt8], to url: URL) throws(AuditError) {
    do {
      try Data(bytes).write(to: url, options: .atomic)
    } catch {
      throw AuditError.unwritableFile(path: url.path, reason: error.localizedDescription)
    }
  }
}
