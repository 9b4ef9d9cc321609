/// A model's backward pass as data: which cotangent feeds which layer, which contributions add up
/// where a value is used twice, which parameter each gradient goes to, and where the loss enters.
///
/// One schedule is the source of two things that must agree: the statement of the model
/// certificate (`ModelStatement`: one theorem per parameter, the gradient of the loss equals what
/// the schedule computes) and the trainer's backward pass (`Sequential.computeGradients` runs
/// `steps` in order). A slip in the wiring is therefore a false theorem, which the engine refuses
/// with a counterexample, not a silently wrong gradient.
///
/// Values are named (`a0` the model's input, `a1`... the nodes' outputs); a node reads values and
/// writes one. The cotangent of value `v` is named `"d" + v`; a node's backward step reads the
/// cotangent of its output and writes one contribution per input it needs a gradient of; a value's
/// cotangent is the sum of its `sums` entry (one term for a value used once). A sequential model is
/// a chain; the structure is a DAG so that graph-shaped models (issue 20) fit it unchanged.
///
/// ```swift
/// let schedule = model.schedule
/// schedule.steps.map { schedule.nodes[$0.node].name }  // ["dense2", "relu1", "dense1"]
/// schedule.steps.last!.gradients.map(\.parameter)     // ["dense1.W", "dense1.b"]
/// ```
public struct BackwardSchedule: Sendable, Equatable {
  /// A layer applied to named values.
  public struct Node: Sendable, Equatable {
    /// The layer's name in the model (`dense1`).
    public var name: String
    /// The certified block it runs (`dense`, `conv2d_s1`, `maxpool2_s2`, a formula layer's name),
    /// or `flatten`, which only reads its input's storage as a vector (no rule, an alias).
    public var block: String
    /// The values it reads, in the order of the block's inputs.
    public var inputs: [String]
    /// The value it writes.
    public var output: String
    /// Its parameters: the block's tensor of each (`W` of `dense.W`) and the model's (`dense1.W`).
    public var parameters: [Route]

    public init(name: String, block: String, inputs: [String], output: String, parameters: [Route]) {
      (self.name, self.block, self.inputs, self.output, self.parameters) = (name, block, inputs, output, parameters)
    }
  }

  /// Where one parameter's gradient comes from: the rule of the block (`dense.W`) whose formula
  /// gives it, and the parameter of the model it is stored in (`dense1.W`).
  public struct Route: Sendable, Equatable {
    public var rule: String
    public var parameter: String

    public init(rule: String, parameter: String) { (self.rule, self.parameter) = (rule, parameter) }

    /// The block's own name of the tensor (`W` of `dense.W`).
    public var tensor: String { String(rule.split(separator: ".").last ?? "") }
  }

  /// One backward step: node `node` reads the cotangent `reads` (of its output) and writes, for
  /// each of its inputs, the contribution named there (nil: not needed, the input is data) and
  /// its parameters' gradients.
  public struct Step: Sendable, Equatable {
    public var node: Int
    public var reads: String
    public var writes: [String?]
    public var gradients: [Route]

    public init(node: Int, reads: String, writes: [String?], gradients: [Route]) {
      (self.node, self.reads, self.writes, self.gradients) = (node, reads, writes, gradients)
    }
  }

  /// The nodes in forward order.
  public var nodes: [Node]
  /// The model's input value (data: no cotangent is computed for it).
  public var input: String
  /// The loss block (`softmax_cross_entropy`, `mse`) and the value it reads.
  public var loss: String
  public var lossInput: String
  /// The backward steps, in the order they run (the loss's cotangent first available).
  public var steps: [Step]
  /// For each value that has a cotangent: the contributions that add up to it (the loss's
  /// cotangent is the loss rule's, `"d" + lossInput`, and has no entry).
  public var sums: [String: [String]]

  public init(nodes: [Node], input: String, loss: String, lossInput: String, steps: [Step], sums: [String: [String]]) {
    (self.nodes, self.input, self.loss, self.lossInput, self.steps, self.sums) = (nodes, input, loss, lossInput, steps, sums)
  }

  /// The name of the cotangent of `value`.
  public static func cotangent(of value: String) -> String { "d" + value }

  /// Every parameter route, in step order.
  public var routes: [Route] { steps.flatMap(\.gradients) }
}
