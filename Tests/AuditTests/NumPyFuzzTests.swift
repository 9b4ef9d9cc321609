import Audit
import Foundation
import Testing

/// Inputs that trapped the `.npz` and `.npy` readers (Tests/FuzzCorpus/npz, Docs/Fuzzing.md):
/// each must now be refused with the error that names what is wrong, not end the process.
@Suite("NumPy readers refuse what the fuzzers found")
struct NumPyFuzzTests {
  private static let corpus = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus/npz")

  private func read(_ file: String) throws(AuditError) -> NumPyArchive {
    try NumPyArchive(contentsOf: NumPyFuzzTests.corpus.appendingPathComponent(file))
  }

  /// A zip64 local-header offset of 2^63 - 1: adding the record size to it overflowed.
  @Test func zip64OffsetPastIntIsNotAnArchive() {
    #expect { _ = try read("zip64-offset-past-int.npz") } throws: { error in
      guard case AuditError.notAnArchive = error else { return false }
      return "\(error)".contains("runs past the end of the data")
    }
  }

  /// A zip64 compressed size of 2^64 - 1 (clamped to Int.max): the end of the member overflowed.
  @Test func zip64SizePastIntIsTruncated() {
    #expect { _ = try read("zip64-size-past-int.npz") } throws: { error in
      guard case AuditError.corruptEntry(name: "a.npy", let reason) = error else { return false }
      return reason.hasPrefix("truncated")
    }
  }

  /// A deflated member announcing Int.max bytes: the inflater reserved that much up front.
  @Test func deflateAnnouncingAHugeSizeIsRefusedWithoutAllocating() {
    #expect { _ = try read("deflate-announces-huge-size.npz") } throws: { error in
      guard case AuditError.corruptEntry(name: "a.npy", let reason) = error else { return false }
      return reason.contains("the directory says")
    }
  }

  /// A deflated member announcing 10 bytes whose one block inflates to a megabyte: refused at the
  /// eleventh byte, not after the block (a long block could otherwise grow memory without bound).
  @Test func deflateLongerThanAnnouncedIsRefused() {
    #expect { _ = try read("deflate-longer-than-announced.npz") } throws: { error in
      guard case AuditError.corruptEntry(name: "a.npy", let reason) = error else { return false }
      return reason.contains("more data than the directory announces")
    }
  }

  /// Shape (2^32, 2^32, 16): the element count overflowed.
  @Test func shapeWhoseProductOverflowsIsMalformed() {
    #expect { _ = try read("shape-product-overflows.npz") } throws: { error in
      guard case AuditError.malformedHeader(array: "a", let reason) = error else { return false }
      return reason.contains("more elements than an Int counts")
    }
  }

  /// Fortran order, shape (2^32, 2^32, 16, 0): no elements, but the column-major strides of the
  /// other extents overflowed. Refused as the shape above: its nonzero extents overflow.
  @Test func emptyFortranArrayWithHugeExtentsIsMalformed() {
    #expect { _ = try read("fortran-empty-huge-extents.npz") } throws: { error in
      guard case AuditError.malformedHeader(array: "a", let reason) = error else { return false }
      return reason.contains("more elements than an Int counts")
    }
  }

  /// The public initializer computes the same product: it refuses rather than traps.
  @Test func arrayWhoseShapeOverflowsIsAShapeMismatch() {
    #expect(throws: AuditError.self) {
      try NumPyArray(name: "w", shape: [1 << 32, 1 << 32, 16], elements: .float32([]))
    }
  }
}
