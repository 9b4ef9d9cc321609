import Dispatch
import Exact
import Intervals
import Train

/// Which images a `PGDAttack` broke at one ε: the upper side of robust accuracy, as certified
/// accuracy is the lower side.
public struct AttackResult: Sendable {
  public let epsilon: Rational
  /// Per image: the attack found a point of the ball the exact network misclassifies.
  public let broken: [Bool]
  /// Per image: the exact network classifies the image itself correctly.
  public let cleanCorrect: [Bool]
  /// Per image the attack broke (a correct image), the point found: every coordinate a Double,
  /// exact, inside the clipped ball, misclassified by the exact network. Nil elsewhere.
  public let examples: [[Double]?]
  /// Per broken image, the worst margin `z_true − max_{j≠true} z_j` at its example, in Float64 (an
  /// estimate for reading; the misclassification itself is decided exactly). Nil elsewhere.
  public let exampleMargins: [Double?]
  /// Wall-clock seconds.
  public let seconds: Double

  /// A result as `RobustnessAudit.attack` returns it.
  /// - Precondition: one entry per image in every array.
  public init(
    epsilon: Rational, broken: [Bool], cleanCorrect: [Bool], examples: [[Double]?], exampleMargins: [Double?], seconds: Double
  ) {
    precondition(
      [cleanCorrect.count, examples.count, exampleMargins.count].allSatisfy { $0 == broken.count }, "one entry per image")
    self.epsilon = epsilon
    self.broken = broken
    self.cleanCorrect = cleanCorrect
    self.examples = examples
    self.exampleMargins = exampleMargins
    self.seconds = seconds
  }

  /// Correctly classified images the attack did not break: an upper bound on robust accuracy.
  public var unbrokenCount: Int { zip(cleanCorrect, broken).count { $0 && !$1 } }
  /// `unbrokenCount` as a fraction of the images.
  public var unbrokenAccuracy: Double { broken.isEmpty ? 0 : Double(unbrokenCount) / Double(broken.count) }
}

extension RobustnessAudit {
  /// Attacks every image that is classified correctly and not already certified robust at
  /// `epsilon` (a certified image cannot be broken, so searching it would only waste time).
  /// - Parameters:
  ///   - cleanCorrect: from `cleanCorrect(_:)`; misclassified images count as broken.
  ///   - certified: from `certify(_:epsilon:)` at the same ε, or nil to attack every correct image.
  /// - Throws: `AuditError.invalidArgument` when the data does not fit the network or ε < 0.
  public func attack(
    _ data: AuditDataset, epsilon: Rational, with attack: PGDAttack, cleanCorrect: [Bool], certified: [Bool]? = nil
  ) throws(AuditError) -> AttackResult {
    guard cleanCorrect.count == data.count, certified.map({ $0.count == data.count }) ?? true else {
      throw AuditError.invalidArgument("per-image results do not match the \(data.count) images")
    }
    let table = try PixelBounds(epsilon: epsilon)
    let start = DispatchTime.now()
    let targets = (0..<data.count).filter { cleanCorrect[$0] && !(certified?[$0] ?? false) }
    let broken = ResultSlots(count: data.count, initial: false)
    let examples = ResultSlots<[Double]?>(count: data.count, initial: nil)
    for index in 0..<data.count where !cleanCorrect[index] { broken.set(index, true) }
    let workers = min(threads, max(1, targets.count)), progress = self.progress
    // One image per worker thread, each with single-threaded BLAS: no oversubscription.
    let blasThreads = BLAS.threads
    BLAS.threads = 1
    defer { BLAS.threads = blasThreads }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      var k = worker
      while k < targets.count {
        let index = targets[k]
        let box = table.box(data.image(index))
        if let point = attack.attack(box, label: data.labels[index]) {
          broken.set(index, true)
          examples.set(index, point.map { Double($0) })  // exact: the search's points are Doubles
        }
        if let progress { progress(broken.finish(), targets.count) }
        k += workers
      }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let points = examples.values
    let margins = points.enumerated().map { index, point in
      point.map { -attack.worstMarginGradient($0, data.labels[index]).margin }
    }
    return AttackResult(
      epsilon: epsilon, broken: broken.values, cleanCorrect: cleanCorrect, examples: points, exampleMargins: margins,
      seconds: seconds)
  }
}
