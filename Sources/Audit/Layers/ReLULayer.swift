/// The elementwise `y_i = max(0, x_i)` on `width` values: no parameters.
public struct ReLULayer: Sendable, Equatable {
  public let width: Int

  /// A ReLU on `width` values.
  /// - Precondition: `width >= 1`.
  public init(width: Int) {
    precondition(width >= 1, "a ReLU needs at least one value")
    self.width = width
  }
}
