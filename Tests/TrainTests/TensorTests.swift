import Testing
@testable import Train

@Suite("Tensors")
struct TensorTests {
  @Test func rowMajorAccess() {
    var x = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(x[1, 0] == 4 && x[0, 2] == 3)
    x[1, 2] = 0
    #expect(x.scalars == [1, 2, 3, 4, 5, 0])
    #expect(x.reshaped([3, 2])[2, 1] == 0)
    #expect(x.converted(to: Double.self).scalars == [1, 2, 3, 4, 5, 0])
  }

  @Test func copiesAreIndependent() {
    let a = Tensor<Double>(shape: [3], repeating: 1)
    var b = a
    b[0] = 7
    #expect(a.scalars == [1, 1, 1] && b.scalars == [7, 1, 1])
    var c = a
    c.withUnsafeMutableBufferPointer { $0[2] = 9 }
    #expect(a.scalars == [1, 1, 1] && c.scalars == [1, 1, 9])
  }

  @Test func storageIsAligned() {
    let x = Tensor<Float>(zeros: [5, 7])
    x.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress!) % 64 == 0) }
  }

  @Test func scalarAndEmptyShapes() {
    #expect(Tensor<Float>(shape: [], scalars: [2]).count == 1)
    #expect(Tensor<Float>(zeros: [0, 4]).count == 0)
  }
}
