import Testing
@testable import Train

/// The convolutional kernels on batches large enough to be cut over threads (`BatchParallel`),
/// against the same kernels one example at a time (which `ConformanceTests` holds to the exact
/// formulas), and the fused relu and max pooling against the two layers run one after the other.
@Suite("Convolution kernels on batches")
struct ConvolutionBatchTests {
  /// Runs `body` with batches cut into `threads` parts (in this test's task only: the process-wide
  /// `BLAS.threads` would reach the tests running beside it).
  func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
    try BatchParallel.$partLimit.withValue(threads, operation: body)
  }

  @Test func theBatchIsCutIntoDisjointOrderedParts() {
    for (batch, parts) in [(1, 1), (7, 2), (128, 2), (5, 3), (1000, 4)] {
      let ranges = (0..<parts).map { BatchParallel.range($0, of: parts, batch: batch) }
      #expect(ranges.first!.lowerBound == 0 && ranges.last!.upperBound == batch)
      #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
      #expect(ranges.allSatisfy { !$0.isEmpty })
    }
    // Small work stays on one thread; a batch of one is never cut.
    withThreads(2) {
      #expect(BatchParallel.partCount(batch: 128, work: 100) == 1)
      #expect(BatchParallel.partCount(batch: 1, work: 1 << 20) == 1)
      #expect(BatchParallel.partCount(batch: 128, work: 1 << 20) == 2)
    }
  }

  @Test(arguments: [1, 2, 3])
  func aBatchedConvolutionIsTheSumOfItsExamples(threads: Int) throws {
    // 16 images of 2x8x8, 3 channels out, 3x3 kernel, pad 1: enough work to be cut in parts.
    var random = RandomSource(seed: 21)
    let (batch, image) = (16, [2, 8, 8])
    let x = randomTensor([batch] + image, &random)
    let w = randomTensor([3, 2, 3, 3], &random)
    let b = randomTensor([3], &random)
    let dy = randomTensor([batch, 3, 8, 8], &random)
    let p = Tensor<Double>(shape: [], scalars: [2])
    let g = WindowGeometry(input: image, kernel: 3, stride: 1, padding: 1)
    try withThreads(threads) {
      #expect(Conv2D.parts(batch: batch, g, outputChannels: 3) == min(threads, batch))
      let y = try Conv2D.forward(["x": x, "w": w, "b": b, "P": p])
      let rules = try Conv2D.backward(["x": x, "w": w, "b": b, "P": p, "dy": dy])
      var (dw, db) = (Tensor<Double>(zeros: [3, 2, 3, 3]), Tensor<Double>(zeros: [3]))
      for k in 0..<batch {
        let xk = Tensor(shape: image, scalars: Array(x.scalars[k * 128..<(k + 1) * 128]))
        let dyk = Tensor(shape: [3, 8, 8], scalars: Array(dy.scalars[k * 192..<(k + 1) * 192]))
        let yk = try Conv2D.forward(["x": xk, "w": w, "b": b, "P": p])
        #expect(Array(y.scalars[k * 192..<(k + 1) * 192]) == yk.scalars)
        let one = try Conv2D.backward(["x": xk, "w": w, "b": b, "P": p, "dy": dyk])
        #expect(Array(rules["conv2d_s1.x"]!.scalars[k * 128..<(k + 1) * 128]) == one["conv2d_s1.x"]!.scalars)
        dw = Tensor(shape: dw.shape, scalars: zip(dw.scalars, one["conv2d_s1.w"]!.scalars).map(+))
        db = Tensor(shape: db.shape, scalars: zip(db.scalars, one["conv2d_s1.b"]!.scalars).map(+))
      }
      // The parts' sums are added in another order than example by example: equal up to rounding.
      #expect(maxDifference(rules["conv2d_s1.w"]!, dw) < 1e-12)
      #expect(maxDifference(rules["conv2d_s1.b"]!, db) < 1e-12)
    }
  }

  /// A layer's forward and input gradient on a `[B, width]` batch, in `Float`.
  func run(
    _ layers: [any LayerKernels], _ x: [Float], dy: [Float], rows: Int
  ) -> (y: [Float], dx: [Float]) {
    var (x, dy) = (x, dy)
    for layer in layers { layer.reserve(batchCapacity: rows) }
    return x.withUnsafeMutableBufferPointer { xs in
      dy.withUnsafeMutableBufferPointer { dys in
        var value = UnsafeMatrix(xs.baseAddress!, rows: rows, columns: xs.count / rows)
        for layer in layers { value = layer.forward(value, training: true) }
        let y = Array(value.buffer)
        var gradient = UnsafeMatrix(dys.baseAddress!, rows: rows, columns: dys.count / rows)
        for layer in layers.reversed() { gradient = layer.backward(gradient, needsInputGradient: true)! }
        return (y, Array(gradient.buffer))
      }
    }
  }

  @Test(arguments: [1, 2])
  func aFusedReluAndPoolGiveWhatTheTwoLayersGive(threads: Int) {
    // Values on a coarse grid: many exact zeros (relu kinks), ties at positive and negative maxima.
    var random = RandomSource(seed: 5)
    let (rows, shape) = (160, [3, 8, 10])  // 38,400 values: cut in parts
    let width = shape.reduce(1, *)
    let x = (0..<rows * width).map { _ in Float((random.uniform() * 8).rounded(.down) - 4) / 2 }
    let dy = (0..<rows * 3 * 4 * 5).map { _ in Float(random.normal()) }
    withThreads(threads) {
      let (relu, pool) = (ReLU(name: "relu1", width: width, shape: shape), MaxPool(name: "maxpool1", input: shape))
      let separate = run([relu, pool], x, dy: dy, rows: rows)
      let (fusedRelu, fusedPool) = (ReLU(name: "relu1", width: width, shape: shape), MaxPool(name: "maxpool1", input: shape))
      MaxPool.fuseRectifiers([fusedRelu, fusedPool])
      #expect(fusedRelu.isFused && fusedPool.rectifier === fusedRelu && !relu.isFused)
      let fused = run([fusedRelu, fusedPool], x, dy: dy, rows: rows)
      #expect(fused.y == separate.y)
      #expect(fused.dx == separate.dx)
      #expect(fusedRelu.kinks == relu.kinks && relu.kinks == x.filter { $0 == 0 }.count)
      // Unfused, windows of relu zeros tie; fused, they are known to pass no gradient.
      #expect(fusedPool.ties < pool.ties)
      #expect(fusedPool.ties > 0)
    }
  }

  /// Fusion with overlapping windows (stride 1) and 3 x 3 windows: the same values, gradients
  /// and relu kinks as the two layers one after the other.
  @Test(arguments: [MaxPool2Stride1.self as MaxPool.Type, MaxPool3Stride1.self, MaxPool3Stride2.self])
  func aFusedReluAndPoolGiveWhatTheTwoLayersGiveForEveryWindow(kind: MaxPool.Type) {
    var random = RandomSource(seed: 9)
    let (rows, shape) = (24, [2, 7, 8])
    let width = shape.reduce(1, *)
    let x = (0..<rows * width).map { _ in Float((random.uniform() * 8).rounded(.down) - 4) / 2 }
    let outputs = kind.init(name: "maxpool1", input: shape).outputWidth
    let dy = (0..<rows * outputs).map { _ in Float(random.normal()) }
    let (relu, pool) = (ReLU(name: "relu1", width: width, shape: shape), kind.init(name: "maxpool1", input: shape))
    let separate = run([relu, pool], x, dy: dy, rows: rows)
    let (fusedRelu, fusedPool) = (ReLU(name: "relu1", width: width, shape: shape), kind.init(name: "maxpool1", input: shape))
    MaxPool.fuseRectifiers([fusedRelu, fusedPool])
    #expect(fusedRelu.isFused && fusedPool.rectifier === fusedRelu)
    let fused = run([fusedRelu, fusedPool], x, dy: dy, rows: rows)
    #expect(fused.y == separate.y)
    #expect(fused.dx == separate.dx)
    #expect(fusedRelu.kinks == relu.kinks && relu.kinks == x.filter { $0 == 0 }.count)
    #expect(fusedPool.ties > 0 && fusedPool.ties < pool.ties)
  }

  /// Stride 1: windows overlap, so an entry that is the maximum of two windows receives the sum of
  /// their gradients; a maximum attained twice within a window is a tie of that window.
  @Test func overlappingWindowsSumTheirGradientsAndCountTiesPerWindow() {
    let pool = MaxPool2Stride1(name: "maxpool1", input: [1, 2, 3])
    // Windows [[1, 3], [0, 0]] and [[3, 1], [0, 2]]: the 3 is the maximum of both.
    let result = run([pool], [1, 3, 1, 0, 0, 2], dy: [5, 7], rows: 1)
    #expect(result.y == [3, 3])
    #expect(result.dx == [0, 12, 0, 0, 0, 0])
    #expect(pool.ties == 0)
    pool.resetKinks()
    // [[3, 3], [0, 0]] ties; [[3, 1], [0, 2]] does not. The tie's gradient goes to the first 3.
    let tied = run([pool], [3, 3, 1, 0, 0, 2], dy: [5, 7], rows: 1)
    #expect(tied.dx == [5, 7, 0, 0, 0, 0])
    #expect(pool.ties == 1)
  }

  @Test func aTieIsAMaximumAttainedTwice() {
    let pool = MaxPool(name: "maxpool1", input: [1, 2, 4])
    pool.reserve(batchCapacity: 1)
    func ties(_ values: [Float]) -> Int {
      pool.resetKinks()
      var values = values
      _ = values.withUnsafeMutableBufferPointer { pool.forward(UnsafeMatrix($0.baseAddress!, rows: 1, columns: 8), training: true) }
      return pool.ties
    }
    // Two windows: [[1, 3], [3, 0]] (3 twice: a tie) and [[1, 1], [0, 5]] (equal entries below the maximum: none).
    #expect(ties([1, 3, 1, 1, 3, 0, 0, 5]) == 1)
    #expect(ties([1, 2, 1, 1, 3, 0, 0, 5]) == 0)
    #expect(ties([-2, -2, 7, 7, -2, -3, 7, 7]) == 2)
    // Evaluation passes are not counted.
    pool.resetKinks()
    var values: [Float] = [1, 3, 1, 1, 3, 0, 0, 5]
    _ = values.withUnsafeMutableBufferPointer { pool.forward(UnsafeMatrix($0.baseAddress!, rows: 1, columns: 8), training: false) }
    #expect(pool.ties == 0)
  }

  @Test func aFusedPoolCountsItsReluKinksAndNoZeroWindows() {
    let relu = ReLU(name: "relu1", width: 8, shape: [1, 2, 4])
    let pool = MaxPool(name: "maxpool1", input: [1, 2, 4])
    MaxPool.fuseRectifiers([relu, pool])
    let result = run([relu, pool], [-1, 0, 2, 2, -3, 0, 1, -1], dy: [5, 7], rows: 1)
    // Window 1: relu gives [[0, 0], [0, 0]]: output 0, no gradient, no tie. Window 2: 2 twice.
    #expect(result.y == [0, 2])
    #expect(result.dx == [0, 0, 7, 0, 0, 0, 0, 0])
    #expect(relu.kinks == 2 && pool.ties == 1)
  }
}
