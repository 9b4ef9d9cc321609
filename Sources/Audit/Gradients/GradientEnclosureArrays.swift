/// What a gradient audit computed, entry by entry, for comparison with another framework's
/// gradient (`certify audit gradients --enclosures FILE.npz`; Docs/Audits.md, "Enclosures file").
///
/// Per parameter tensor `<name>` (`dense1.W`, in the trainer's layout: a dense `W` is `[out, in]`,
/// PyTorch's `nn.Linear` layout, the transpose of `x @ W`), the archive holds `<name>_lo` and
/// `<name>_hi` (float64: the exact gradient of the batch-mean loss lies in `[lo, hi]` entrywise),
/// `<name>_float32` (the trainer's Float32 gradient), `<name>_bound` (float64: the a priori
/// bound of `|float32 − exact|`; absent when the model has no a priori bound, never infinite) and `<name>_value` (float32: the parameter itself); and `inputs` (float32 `[B, n]`: the features exactly as audited,
/// the trainer's `pixel / 255` in Float32, not the exact quotient) and `labels` (int64 `[B]`).
public struct GradientEnclosureArrays: Sendable {
  /// One parameter tensor's arrays.
  public struct Tensor: Sendable {
    public let name: String
    public let shape: [Int]
    /// Outward-rounded endpoints of each entry's enclosure, row-major.
    public let lower: [Double]
    public let upper: [Double]
    public let float: [Float]
    /// The a priori bound of `|float - exact|`, entrywise; nil when the model has none (a layer
    /// without a floating-point error model: `GradientReport.unbounded` says which).
    public let bound: [Double]?
    /// The parameter's value, at which the gradient was taken.
    public let value: [Float]
  }

  public let tensors: [Tensor]
  /// `[B, width]`, row-major.
  public let inputs: [Float]
  public let width: Int
  public let labels: [Int32]

  /// The arrays as a `.npz` archive (`zipData()` gives its bytes).
  public func archive() -> NumPyArchive {
    var arrays: [NumPyArray] = []
    for t in tensors {
      arrays.append(try! NumPyArray(name: t.name + "_lo", shape: t.shape, elements: .float64(t.lower)))  // counts match the shape
      arrays.append(try! NumPyArray(name: t.name + "_hi", shape: t.shape, elements: .float64(t.upper)))
      arrays.append(try! NumPyArray(name: t.name + "_float32", shape: t.shape, elements: .float32(t.float)))
      if let bound = t.bound { arrays.append(try! NumPyArray(name: t.name + "_bound", shape: t.shape, elements: .float64(bound))) }
      arrays.append(try! NumPyArray(name: t.name + "_value", shape: t.shape, elements: .float32(t.value)))
    }
    arrays.append(try! NumPyArray(name: "inputs", shape: [labels.count, width], elements: .float32(inputs)))
    arrays.append(try! NumPyArray(name: "labels", shape: [labels.count], elements: .int64(labels.map(Int64.init))))
    return NumPyArchive(arrays: arrays)
  }
}
