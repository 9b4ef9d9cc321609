import Testing
@testable import Train

/// The convolutional layers' kernels held to the formulas of their certificates
/// (`Theorems/cnn.thm`), by exact evaluation on random small instances, as `ConformanceTests`
/// does for the MLP layers. The sizes are those the trainer uses: `OH = (H + 2 pad - K) / s + 1`.
extension ConformanceTests {
  @Test func conv2dStride1() throws {
    // pad 1 (P = 2): OH = 4 - 3 + 2 + 1 = 4, OW = 5.
    let dims = ["C": 2, "D": 3, "H": 4, "W": 5, "K": 3, "OH": 4, "OW": 5, "P": 2]
    for seed in 0..<3 as Range<UInt64> {
      try check(Conv2D.self, dims: dims, shapes: ["x": ["C", "H", "W"], "w": ["D", "C", "K", "K"], "b": ["D"], "dy": ["D", "OH", "OW"]],
                sizes: ["P"], seed: seed)
    }
    // No padding (P = 1), kernel 2: OH = 3, OW = 4.
    let valid = ["C": 1, "D": 2, "H": 4, "W": 5, "K": 2, "OH": 3, "OW": 4, "P": 1]
    try check(Conv2D.self, dims: valid, shapes: ["x": ["C", "H", "W"], "w": ["D", "C", "K", "K"], "b": ["D"], "dy": ["D", "OH", "OW"]],
              sizes: ["P"], seed: 7)
  }

  @Test func conv2dStride2() throws {
    // pad 1, stride 2: OH = (5 + 2 - 3) / 2 + 1 = 3, OW = (6 + 2 - 3) / 2 + 1 = 3.
    let dims = ["C": 2, "D": 2, "H": 5, "W": 6, "K": 3, "OH": 3, "OW": 3, "P": 2]
    for seed in 0..<3 as Range<UInt64> {
      try check(Conv2DStride2.self, dims: dims, shapes: ["x": ["C", "H", "W"], "w": ["D", "C", "K", "K"], "b": ["D"], "dy": ["D", "OH", "OW"]],
                sizes: ["P"], seed: seed)
    }
  }

  @Test func depthwiseConvolution() throws {
    for seed in 0..<3 as Range<UInt64> {
      try check(DepthwiseConv2D.self, dims: ["C": 2, "H": 4, "W": 5, "K": 3, "OH": 4, "OW": 5, "P": 2],
                shapes: ["x": ["C", "H", "W"], "w": ["C", "K", "K"], "b": ["C"], "dy": ["C", "OH", "OW"]], sizes: ["P"], seed: seed)
      try check(DepthwiseConv2DStride2.self, dims: ["C": 2, "H": 5, "W": 6, "K": 3, "OH": 3, "OW": 3, "P": 2],
                shapes: ["x": ["C", "H", "W"], "w": ["C", "K", "K"], "b": ["C"], "dy": ["C", "OH", "OW"]], sizes: ["P"], seed: seed)
    }
  }

  @Test func maxpool() throws {
    // An odd width: the last column is in no window. Distinct entries: no tie, so the rule holds.
    let dims = ["C": 2, "H": 4, "W": 5, "OH": 2, "OW": 2]
    for seed in 0..<5 as Range<UInt64> {
      try check(MaxPool.self, dims: dims, shapes: ["x": ["C", "H", "W"], "dy": ["C", "OH", "OW"]], seed: seed) { v in
        v["x"] = v["x"]!.enumerated().map { k, x in x + Double(k) / 1024 }
      }
    }
  }

  /// The other windows and strides: overlapping windows at stride 1 (an entry's gradient sums
  /// over the windows it is the maximum of), 3 x 3 windows at stride 2 with an odd leftover.
  /// (Each kind by its static type: `check` calls the rules of its generic parameter.)
  @Test func maxpoolWindows() throws {
    // Small: the 3 x 3 rules' formulas nest eight running maxima, slow to evaluate exactly.
    try checkPool(MaxPool2Stride1.self, height: 3, width: 3, seeds: 0..<2)
    try checkPool(MaxPool3Stride1.self, height: 4, width: 3, seeds: 0..<1)
    try checkPool(MaxPool3Stride2.self, height: 5, width: 6, seeds: 0..<1)
  }

  func checkPool<P: MaxPool>(_ kind: P.Type, height: Int, width: Int, seeds: Range<UInt64>) throws {
    let (k, s) = (P.kernel, P.stride)
    let dims = ["C": 1, "H": height, "W": width, "OH": (height - k) / s + 1, "OW": (width - k) / s + 1]
    for seed in seeds {
      try check(P.self, dims: dims, shapes: ["x": ["C", "H", "W"], "dy": ["C", "OH", "OW"]], seed: seed) { v in
        v["x"] = v["x"]!.enumerated().map { k, x in x + Double(k) / 1024 }  // distinct: no tie
      }
    }
  }

  @Test func averagePooling() throws {
    for seed in 0..<3 as Range<UInt64> {
      try check(AvgPool.self, dims: ["C": 2, "H": 4, "W": 5, "K": 2, "OH": 3, "OW": 4], shapes: ["x": ["C", "H", "W"], "dy": ["C", "OH", "OW"]],
                sizes: ["K"], seed: seed)
      try check(AvgPoolStride2.self, dims: ["C": 2, "H": 5, "W": 6, "K": 3, "OH": 2, "OW": 2], shapes: ["x": ["C", "H", "W"], "dy": ["C", "OH", "OW"]],
                sizes: ["K"], seed: seed)
      try check(GlobalAvgPool.self, dims: ["C": 2, "H": 3, "W": 2], shapes: ["x": ["C", "H", "W"], "dy": ["C"]], seed: seed)
    }
  }

  @Test func denseOverImage() throws {
    for seed in 0..<3 as Range<UInt64> {
      try check(DenseOverImage.self, dims: ["C": 2, "H": 2, "L": 3, "O": 2],
                shapes: ["x": ["C", "H", "L"], "W": ["O", "C", "H", "L"], "b": ["O"], "dy": ["O"]], seed: seed)
    }
  }

  @Test func batchNormalization() throws {
    for seed in 0..<3 as Range<UInt64> {
      // Training: the batch is the input; eps = 1/4 (any eps > 0).
      try check(BatchNorm.self, dims: ["N": 3, "C": 2, "H": 2, "L": 2],
                shapes: ["x": ["N", "C", "H", "L"], "g": ["C"], "b": ["C"], "dy": ["N", "C", "H", "L"]], constants: ["eps": 0.25], seed: seed)
      // Evaluation: running statistics as constants, v >= 0 as the trainer keeps it.
      try check(BatchNormEvaluation.self, dims: ["C": 2, "H": 2, "W": 3],
                shapes: ["x": ["C", "H", "W"], "m": ["C"], "v": ["C"], "g": ["C"], "b": ["C"], "dy": ["C", "H", "W"]],
                constants: ["eps": 0.25], seed: seed) { v in v["v"] = v["v"]!.map(abs) }
    }
  }
}
