/// A scratch matrix a layer rewrites every step: allocated for the largest batch it has seen, then
/// reused, so a training step allocates nothing.
struct Workspace<Scalar: TrainScalar> {
  let columns: Int
  private var storage: TensorStorage<Scalar>

  init(columns: Int) {
    self.columns = columns
    storage = TensorStorage(capacity: 0)
  }

  /// The largest number of rows the workspace holds without reallocating.
  var rowCapacity: Int { columns == 0 ? Int.max : storage.capacity / columns }

  /// Makes room for `rows` rows (reallocating, contents lost, only when it must grow).
  mutating func reserve(rows: Int) {
    if rows > rowCapacity { storage = TensorStorage(capacity: rows * columns) }
  }

  /// The first `rows` rows as a matrix view.
  ///
  /// - Precondition: `rows` is at most the reserved capacity.
  func matrix(rows: Int) -> UnsafeMatrix<Scalar> {
    precondition(rows <= rowCapacity, "workspace holds \(rowCapacity) rows, \(rows) requested")
    return UnsafeMatrix(storage.pointer, rows: rows, columns: columns)
  }
}
