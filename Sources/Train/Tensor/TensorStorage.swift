/// A fixed-capacity block of scalars, 64-byte aligned, freed with its last owner.
///
/// The pointer never moves for the life of the storage, so a layer can hand out views of its
/// workspace (``UnsafeMatrix``) that stay valid until it writes that workspace again.
final class TensorStorage<Scalar: TrainScalar>: @unchecked Sendable {
  /// The first scalar; `capacity` scalars, initialized to zero.
  let pointer: UnsafeMutablePointer<Scalar>
  let capacity: Int

  /// Cache-line alignment: what OpenBLAS's packing routines and vector loads like best.
  static var alignment: Int { 64 }

  init(capacity: Int) {
    precondition(capacity >= 0, "negative capacity")
    self.capacity = capacity
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(capacity, 1) * MemoryLayout<Scalar>.stride, alignment: Self.alignment)
    pointer = raw.bindMemory(to: Scalar.self, capacity: max(capacity, 1))
    pointer.initialize(repeating: 0, count: max(capacity, 1))
  }

  convenience init(copying other: TensorStorage, count: Int) {
    self.init(capacity: count)
    pointer.update(from: other.pointer, count: count)
  }

  deinit { pointer.deallocate() }
}
