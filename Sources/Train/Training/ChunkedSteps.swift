import Dispatch
import Synchronization

/// A training step cut into chunks of `chunkSize` examples that worker threads take as they come,
/// for models whose layers treat each example on its own (`eligible`): the transformer layers,
/// dense layers, residual sums.
///
/// Why: the layer-by-layer step waits for every thread at every layer (about sixty times a step
/// for the ViT), so on a machine whose cores other processes share, one preempted thread stalls
/// the other at each layer, and on two cores the second thread gained the ViT only 12 %. Here
/// each worker runs the whole forward and backward pass of a chunk on its own thread (OpenBLAS
/// single-threaded, no `BatchParallel` parts), and a worker that is held up simply takes fewer
/// chunks: the threads meet once per step.
///
/// Each worker is a copy of the model (`Sequential(uncheckedSpec:)`: the same layers, hence the
/// same certified kernels; the model itself was checked when it was built) whose parameter values
/// are copied from the model before each step. A chunk's loss seed is the batch's own
/// (`meanOver:` the batch size), so every example's gradient rows are what the whole batch's pass
/// computes; each chunk's parameter gradients go to a slot of their own, and the slots are added
/// in chunk order into the model's `Parameter.gradient`. So the result depends on the batch and
/// `chunkSize` only, not on the number of threads nor on which thread ran which chunk: the same
/// bit for bit with `--threads 1` or `2`. Against one pass over the whole batch, only the order
/// of the sums over examples (the parameter gradients) differs.
final class ChunkedSteps {
  /// Examples per chunk: 256 token rows of the ViT, enough for efficient matrix products, and
  /// eight chunks of a batch of 128 for two threads to share.
  static let chunkSize = 16

  let model: Sequential
  private let parameters: [Parameter]
  private let workers: [Sequential]
  private let workerParameters: [[Parameter]]
  /// Where each parameter starts in a chunk's slot, and a slot's length.
  private let offsets: [Int]
  private let slotLength: Int
  /// Chunk `c`'s parameter gradients at `c * slotLength`, kept between steps.
  private var slots: [Float] = []
  private var losses: [Double] = []
  /// The next chunk to take.
  private let next = Atomic<Int>(0)

  /// Whether every layer treats each example on its own, keeps no statistics or counters across
  /// the batch and draws no random numbers: only then does a chunked step compute the step's own
  /// gradient. (Batch norm reads the whole batch; dropout draws masks in batch order; relu, max
  /// pooling and formula layers count kinks per model.)
  static func eligible(_ model: Sequential) -> Bool {
    model.kernels.allSatisfy { layer in
      layer is Dense || layer is DenseTokens || layer is LayerNorm || layer is GELU || layer is AttentionHeads
        || layer is Softmax || layer is PositionEmbedding || layer is TokenMeanPool || layer is PatchEmbed
        || layer is Add || layer is Mul || layer is Flatten || layer is Sigmoid || layer is Tanh
    }
  }

  /// Chunked steps for `model` on `threads` workers, or nil when the model is not `eligible`.
  init?(_ model: Sequential, threads: Int) {
    guard Self.eligible(model) else { return nil }
    self.model = model
    parameters = model.parameters
    workers = (0..<max(1, threads)).map { _ in Sequential(uncheckedSpec: model.spec, seed: 0) }
    for worker in workers { worker.reserve(batchCapacity: Self.chunkSize) }
    workerParameters = workers.map(\.parameters)
    var offsets: [Int] = []
    var length = 0
    for parameter in parameters {
      offsets.append(length)
      length += parameter.value.count
    }
    (self.offsets, slotLength) = (offsets, length)
  }

  /// The batch-mean loss of `input`, leaving its gradient in the model's `Parameter.gradient`
  /// (added to what it held when `accumulatesGradient` is on), as `Sequential.computeGradients`.
  func computeGradients(_ input: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>) -> Double {
    let rows = input.rows
    let chunkSize = Self.chunkSize
    let chunks = (rows + chunkSize - 1) / chunkSize
    if slots.count < chunks * slotLength {
      slots = [Float](repeating: 0, count: chunks * slotLength)
      losses = [Double](repeating: 0, count: chunks)
    }
    for parameterList in workerParameters {
      for (source, copy) in zip(parameters, parameterList) {
        source.value.withUnsafeBufferPointer { s in
          copy.value.withUnsafeMutableBufferPointer { d in d.baseAddress!.update(from: s.baseAddress!, count: s.count) }
        }
      }
    }
    next.store(0, ordering: .relaxed)
    let used = min(workers.count, chunks)
    slots.withUnsafeMutableBufferPointer { slots in
      losses.withUnsafeMutableBufferPointer { losses in
        // Each chunk's slot and loss are written by the one worker that took it.
        let job = ChunkJob(steps: self, input: input, labels: labels, slots: slots.baseAddress!, losses: losses.baseAddress!)
        BLAS.runSingleThreaded {
          DispatchQueue.concurrentPerform(iterations: used) { w in
            // The chunk's layers run on this thread alone: their own parts would wait on each other.
            BatchParallel.$partLimit.withValue(1) { job.steps.work(worker: w, job) }
          }
        }
        // The slots added in chunk order (into the first): the same sums whichever thread ran
        // which chunk; then into the gradient, or added to it.
        for (k, parameter) in parameters.enumerated() {
          let accumulate = parameter.accumulatesGradient
          parameter.gradient.withUnsafeMutableBufferPointer { d in
            let (n, first) = (d.count, slots.baseAddress! + offsets[k])
            for c in 1..<max(1, chunks) {
              let terms = first + c * slotLength
              for i in 0..<n { first[i] += terms[i] }
            }
            if accumulate {
              for i in 0..<n { d[i] += first[i] }
            } else {
              d.baseAddress!.update(from: first, count: n)
            }
          }
        }
      }
    }
    var loss = 0.0
    for c in 0..<chunks { loss += losses[c] }
    return loss
  }

  /// Worker `w` takes chunks until none is left: its pass over each, then its gradients into the
  /// chunk's slot.
  fileprivate func work(worker w: Int, _ job: ChunkJob) {
    let (rows, chunkSize) = (job.input.rows, Self.chunkSize)
    let chunks = (rows + chunkSize - 1) / chunkSize
    let (worker, parameterList) = (workers[w], workerParameters[w])
    while true {
      let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
      guard c < chunks else { return }
      let range = (c * chunkSize)..<min(rows, (c + 1) * chunkSize)
      job.losses[c] = worker.computeGradients(
        job.input.slice(rows: range), labels: UnsafeBufferPointer(rebasing: job.labels[range]), meanOver: rows)
      let slot = job.slots + c * slotLength
      for (k, parameter) in parameterList.enumerated() {
        parameter.gradient.withUnsafeBufferPointer { g in (slot + offsets[k]).update(from: g.baseAddress!, count: g.count) }
      }
    }
  }
}

/// One step's batch and slots, handed to the worker threads; each chunk's slot and loss are
/// written by the one worker that took the chunk, and `steps` is only read meanwhile.
private struct ChunkJob: @unchecked Sendable {
  let steps: ChunkedSteps
  let input: UnsafeMatrix<Float>
  let labels: UnsafeBufferPointer<Int32>
  let slots: UnsafeMutablePointer<Float>
  let losses: UnsafeMutablePointer<Double>
}
