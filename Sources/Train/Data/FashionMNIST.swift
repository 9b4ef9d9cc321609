import Foundation

/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 grey images of clothing in 10 classes,
/// 60,000 for training and 10,000 for testing, as IDX files.
///
/// ```swift
/// let train = try FashionMNIST.load(.train)                      // the Debian package's copy
/// let test = try FashionMNIST.load(.test, from: "/data/fmnist")
/// ```
public enum FashionMNIST {
  /// Where Debian's `dataset-fashion-mnist` package installs it.
  public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
  public static let classes = 10
  public static let imageShape = [28, 28]

  public enum Split: String, Sendable {
    case train
    case test = "t10k"
  }

  /// The image and label files of a split: `train-images-idx3-ubyte.gz` and so on; the
  /// uncompressed name is used when only that exists.
  public static func files(_ split: Split, in directory: String) -> (images: String, labels: String) {
    func path(_ name: String) -> String {
      let base = directory.hasSuffix("/") ? directory + name : directory + "/" + name
      let files = FileManager.default
      return files.fileExists(atPath: base + ".gz") || !files.fileExists(atPath: base) ? base + ".gz" : base
    }
    return (path("\(split.rawValue)-images-idx3-ubyte"), path("\(split.rawValue)-labels-idx1-ubyte"))
  }

  /// Loads one split.
  ///
  /// - Throws: `TrainingError.fileNotFound`, `.unreadable`, `.badDataFile` (magic, truncation,
  ///   trailing bytes) or `.mismatchedData` (image and label counts differ, images not 28×28, a
  ///   label outside 0..<10).
  public static func load(_ split: Split, from directory: String = defaultDirectory) throws -> Dataset {
    let (imagePath, labelPath) = files(split, in: directory)
    let images = try IDXFile(contentsOf: imagePath, rank: 3)
    let labels = try IDXFile(contentsOf: labelPath, rank: 1)
    guard Array(images.dimensions[1...]) == imageShape else {
      throw TrainingError.mismatchedData(
        "\(imagePath): images are \(images.dimensions[1])×\(images.dimensions[2]); Fashion-MNIST's are 28×28")
    }
    guard images.dimensions[0] == labels.dimensions[0] else {
      throw TrainingError.mismatchedData(
        "\(imagePath) has \(images.dimensions[0]) images but \(labelPath) has \(labels.dimensions[0]) labels")
    }
    do {
      return try Dataset(
        pixels: images.bytes, features: imageShape.reduce(1, *), labels: labels.bytes.map { Int32($0) },
        classes: classes)
    } catch TrainingError.mismatchedData(let reason) {
      throw TrainingError.mismatchedData("\(labelPath): \(reason)")
    }
  }
}
