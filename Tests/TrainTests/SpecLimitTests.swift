import Testing
@testable import Train

/// Sizes are checked before anything is allocated: widths at the number in the spec, a formula
/// layer's outputs against the width of its actual input, and the memory a model needs.
@Suite("Spec limits")
struct SpecLimitTests {
  func error(_ text: String) -> String? {
    do { _ = try ModelSpec(parsing: text, file: "m.spec"); return nil } catch { return "\(error)" }
  }

  @Test func aWidthAboveTheLimitIsRefusedAtTheNumber() {
    #expect(error("input 784\ndense 2000000000\nloss mse") == "m.spec:2:7: the layer's output width 2000000000 is above the limit of 16777216")
    #expect(error("input 99999999999999999999999\ndense 3\nloss mse")?.hasPrefix("m.spec:1:7: the number of input features 9999") == true)
    #expect(error("input 784\ndense \(ModelSpec.maximumWidth)\nloss mse") == nil)
  }

  @Test func aFormulaLayerIsCheckedAgainstItsActualInputWidth() {
    let block = "layer cut(n)\n  input x[n]\n  output y[i: n - 300] = x[i]\n"
    // 256 features reach the block: n - 300 is negative.
    #expect(error("input 784\ndense 256\n" + block + "dense 10\nloss mse")
      == "m.spec:5:3: layer 'cut' would have -44 outputs (n - 300 with n = 256, the width of its input); it needs at least 1")
    // 1000 features reach it: 700 outputs, although the spec's input, 200, is below 300.
    #expect(error("input 200\ndense 1000\n" + block + "dense 10\nloss mse") == nil)
    let wide = "input 784\nlayer wide(n)\n  input x[n]\n  output y[i: 100000000 * n] = x[0]\ndense 10\nloss mse"
    #expect(error(wide)?.contains("would have 78400000000 outputs") == true)
    #expect(error(wide)?.contains("above the limit of 16777216") == true)
  }

  @Test func aModelLargerThanTheMachineIsRefusedBeforeItIsBuilt() throws {
    let spec = try ModelSpec(parsing: "input 16000000\ndense 16000000\nloss mse")
    #expect(spec.trainingBytes(batch: 128)! > 1 << 50)
    #expect(throws: TrainingError.self) { try spec.checkMemory(batch: 128) }
    #expect(throws: TrainingError.self) { try Sequential(spec, seed: 0, certificates: testStore) }
    let small = try ModelSpec(parsing: "input 784\ndense 256\nrelu\ndense 10\nloss softmax_cross_entropy")
    try small.checkMemory(batch: 128)
  }
}
