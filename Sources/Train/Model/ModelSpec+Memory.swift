import Exact

extension ModelSpec {
  /// The widest layer (or input) a spec may have: 2²⁴ = 16,777,216 features. Far above any model
  /// this trainer is for, and low enough that a width times a batch cannot overflow; a spec with
  /// a wider statement is refused at the number, before anything is allocated.
  public static let maximumWidth = 1 << 24

  /// An upper bound of the bytes training this model on batches of `batch` examples allocates:
  /// per parameter its value, its gradient and two optimizer tensors (Adam's moments); per layer
  /// and example four `Float` rows of its input and output width (output, input gradient, and a
  /// mask or transposed copy); the evaluation batch of 1,000 is the floor. Nil when it overflows.
  public func trainingBytes(batch: Int) -> Int? {
    let rows = max(batch, 1000)
    guard let parameters = parameterCount else { return nil }
    var terms: [Int?] = [MemoryBudget.product(parameters, 4 * 4)]
    // A graph's layer reads the value it names, not always the one before (`inputShapes`).
    for (output, (layer, input)) in zip(widths, zip(layers, inputShapes)) {
      terms.append(MemoryBudget.sum([input.reduce(1, *), output]).flatMap { MemoryBudget.product($0, rows, 4 * 4) })
      terms.append(layer.scratchPerExample(input: input).flatMap { MemoryBudget.product($0, rows, 4) })
    }
    return MemoryBudget.sum(terms)
  }

  /// - Throws: `TrainingError.tooLarge` when training on batches of `batch` would need more
  ///   memory than the machine has available (`trainingBytes`).
  public func checkMemory(batch: Int) throws(TrainingError) {
    let what = "the model (\(parameterCount.map { "\($0) parameters" } ?? "too many parameters"), widths "
      + MessageText.cut(([inputWidth] + widths).map(String.init).joined(separator: "-")) + ") with batches of \(batch)"
    try MemoryBudget.check(trainingBytes(batch: batch), for: what)
  }
}
