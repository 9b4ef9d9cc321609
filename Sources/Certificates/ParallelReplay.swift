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
    try theorems(of: steps, threads: threads, from: parallelFrom)
  }

  /// `theorems(of:threads:)`, on several threads from `from` steps on (tests run short ones so).
  static func theorems(of steps: [Step], threads: Int, from: Int) throws(Refusal) -> [Theorem] {
    guard threads > 1, steps.count >= from else {
      var derivation = Derivation()
      for (k, step) in steps.enumerated() {
        do { try derivation.apply(step) } catch { throw Refusal(step: k, error: error) }
      }
      return derivation.theorems
    }
    let board = Board(steps)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in board.work() }
    if let refusal = board.refusal { throw refusal }
    return board.theorems.map { $0! }
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
    var ready: [Int] = [], running = 0, idle = 0

    init(_ steps: [Step]) {
      self.steps = steps
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
      ready = steps.indices.reversed().filter { waitingFor[$0] == 0 }
    }

    /// Runs ready steps until none is left and none is running. A step after a refusal already
    /// found is not run; every step before it is (its premises are earlier, so none was refused
    /// by the time the first refusal is), so the refusal kept is the first one.
    func work() {
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
        case let .failure(error):
          if refusal.map({ k < $0.step }) ?? true { refusal = Refusal(step: k, error: error) }
        }
        if idle > 0 { condition.broadcast() }
      }
    }
  }
}
