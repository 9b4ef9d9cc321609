/// A row-major `[rows, columns]` matrix in memory that something else owns: a layer's workspace,
/// a batch buffer, a tensor being read.
///
/// The trainer passes activations and gradients between layers as `UnsafeMatrix` views, so a
/// training step neither copies nor allocates. A view is valid while its owner lives and until the
/// owner writes that memory again (for a layer: its next `forward` or `backward`).
public struct UnsafeMatrix<Scalar: TrainScalar> {
  public let base: UnsafeMutablePointer<Scalar>
  public let rows: Int
  public let columns: Int

  public init(_ base: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
    self.base = base
    self.rows = rows
    self.columns = columns
  }

  /// Rows × columns.
  @inline(__always) public var count: Int { rows * columns }

  /// The first scalar of row `r`.
  @inline(__always) public func row(_ r: Int) -> UnsafeMutablePointer<Scalar> { base + r * columns }

  @inline(__always) public subscript(r: Int, c: Int) -> Scalar {
    get { base[r * columns + c] }
    nonmutating set { base[r * columns + c] = newValue }
  }

  /// The scalars as a flat buffer.
  @inline(__always) public var buffer: UnsafeMutableBufferPointer<Scalar> {
    UnsafeMutableBufferPointer(start: base, count: count)
  }
}

extension UnsafeMatrix {
  /// Rows `range` as a matrix of their own, in the same storage: one part of a batch
  /// (`BatchParallel`).
  @inline(__always) func slice(rows range: Range<Int>) -> UnsafeMatrix {
    UnsafeMatrix(row(range.lowerBound), rows: range.count, columns: columns)
  }
}
