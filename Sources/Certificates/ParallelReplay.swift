public import ProofKernel
import Foundation

/// Replaying a long derivation on several threads: each step's theorem is the kernel's conclusion
/// (`Derivation.conclusion(of:premise:)`) from its premises' theorems, so steps that do not depend
/// on one another can be checked at once. A model's derivation holds many such steps (the
/// normalizations of different layers and cotangents).
///
/// Untrusted scheduling around trusted rules: every theorem kept here is one the kernel concluded
/// from theorems the kernel concluded, whatever the order they were computed in (Docs/Rules.md, "A
/// note on replaying in parallel"). The outcome is the sequential replay's: the same theorem at
/// every step, or a refusal at the first step the kernel refuses, with the kernel's reason.
public enum ParallelReplay {
  /// The step the kernel refused (the first one by number) and the kernel's error.
  public struct Refusal: Error {
    public let step: Int
    public let error: any Error
  }

  /// Below this many steps one thread replays: starting others costs more than they save.
  static let parallelFrom = 1_024

  /// The theorem of every step, in order, as `Derivation.apply` would record them.
  /// - Parameter threads: how many threads replay (the default, the active processors, at most 8).
  /// - Throws: `Refusal` for the first step the kernel refuses.
  public static func theorems(of steps: [Step], threads: Int = min(8, ProcessInfo.processInfo.activeProcessorCount)) throws(Refusal) -> [Theorem] {
    try theorems(of: steps, threads: threads, from: parallelFrom, keeping: nil).map { $0! }
  }

  /// The theorems of the steps in `kept` (nil at every other step), every step replayed as by
  /// `theorems(of:threads:)`. On several threads a theorem is released once every step that
  /// names it is concluded: the threads free a model's network of terms as they go, where the
  /// whole list of theorems would be freed on one thread at the end (a tenth of checking a
  /// ResNet's model certificate), and the peak memory is what the steps still to run need.
  /// - Throws: `Refusal` for the first step the kernel refuses.
  public static func theorems(of steps: [Step], keeping kept: Set<Int>, threads: Int = min(8, ProcessInfo.processInfo.activeProcessorCount)) throws(Refusal) -> [Theorem?] {
    try theorems(of: steps, threads: threads, from: parallelFrom, keeping: kept)
  }

  /// `theorems(of:threads:)`, on several threads from `from` steps on (tests run short ones so);
  /// with `kept`, only those steps' theorems are returned.
  static func theorems(of steps: [Step], threads: Int, from: Int, keeping kept: Set<Int>?) throws(Refusal) -> [Theorem?] {
    guard threads > 1, steps.count >= from else {
      var derivation = Derivation()
      for (k, step) in steps.enumerated() {
        do { try derivation.apply(step) } catch { throw Refusal(step: k, error: error) }
      }
      return derivation.theorems.enumerated().map { k, theorem in kept?.contains(k) ?? true ? theorem : nil }
    }
    let board = Board(steps, keeping: kept)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in board.work() }
    if let refusal = board.refusal { throw refusal }
    return board.theorems
  }

  /// The steps' theorems so far and the steps ready to run, shared by the threads behind one lock.
  /// A step is ready once every earlier step it names is concluded; a thread runs the step made
  /// ready last, so it follows one normalization's chain of steps while another thread follows
  /// another's.
  private final class Board: @unchecked Sendable {
    let steps: [Step]
    let condition = NSCondition()
    var theorems: [Theorem?]
    var refusal: Refusal?
    /// Per step, the steps that name it, and how many earlier steps it still waits for.
    var dependents: [[Int]], waitingFor: [Int]
    /// With a set of steps to keep: per step, how many steps that name it are still to conclude
    /// (its theorem is released at 0 unless kept).
    let kept: Set<Int>?
    var namedBy: [Int]
    var ready: [Int] = [], running = 0, idle = 0

    init(_ steps: [Step], keeping kept: Set<Int>?) {
      self.steps = steps
      self.kept = kept
      theorems = Array(repeating: nil, count: steps.count)
      dependents = Array(repeating: [], count: steps.count)
      waitingFor = Array(repeating: 0, count: steps.count)
      for (k, step) in steps.enumerated() {
        // A premise that is not earlier is not waited for: the kernel's call refuses it.
        for p in Set(step.premises) where p >= 0 && p < k {
          dependents[p].append(k)
          waitingFor[k] += 1
        }
      }
      namedBy = dependents.map(\.count)
      ready = steps.indices.reversed().filter { waitingFor[$0] == 0 }
    }

    /// Runs ready steps until none is left and none is running. A step after a refusal already
    /// found is not run; every step before it is (its premises are earlier, so none was refused
    /// by the time the first refusal is), so the refusal kept is the first one.
    func work() {
      // Theorems released by this thread, freed outside the lock (freeing a network of terms
      // takes long enough to hold the other threads up).
      var released: [Theorem] = []
      condition.lock()
      defer { condition.unlock() }
      while true {
        guard let k = ready.popLast() else {
          if running == 0 { condition.broadcast(); return }
          idle += 1
          condition.wait()
          idle -= 1
          continue
        }
        if let refusal, refusal.step < k { continue }
        running += 1
        let premises = steps[k].premises, given = premises.map { p in p >= 0 && p < k ? theorems[p] : nil }
        condition.unlock()
        released.removeAll()
        let outcome = Result {
          try Derivation.conclusion(of: steps[k]) { p in
            // Not an earlier step: refused as `Derivation.apply` refuses it.
            guard let theorem = premises.firstIndex(of: p).flatMap({ given[$0] }) else { throw KernelError.ruleMismatch(rule: "premise", reason: "step \(p) is not an earlier step") }
            return theorem
          }
        }
        condition.lock()
        running -= 1
        switch outcome {
        case let .success(theorem):
          theorems[k] = theorem
          for d in dependents[k] {
            waitingFor[d] -= 1
            if waitingFor[d] == 0 { ready.append(d) }
          }
          if let kept {
            for p in Set(premises) where p >= 0 && p < k {
              namedBy[p] -= 1
              if namedBy[p] == 0, !kept.contains(p), let done = theorems[p] { released.append(done); theorems[p] = nil }
            }
            if namedBy[k] == 0, !kept.contains(k) { released.append(theorem); theorems[k] = nil }
          }
        case let .failure(error):
          if refusal.map({ k < $0.step }) ?? true { refusal = Refusal(step: k, error: error) }
        }
        if idle > 0 { condition.broadcast() }
      }
    }
  }
}
