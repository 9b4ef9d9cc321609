public import ProofKernel

/// A derivation under construction, shared by the chains of rewriting that make up one proof.
///
/// The engine never creates a theorem: it asks the kernel to run steps and reads the results.
public final class ProofBuilder {
  public private(set) var derivation = Derivation()

  public init() {}

  /// Runs one step through the kernel.
  @discardableResult
  public func apply(_ step: Step) throws -> Int { try derivation.apply(step) }

  public func theorem(_ k: Int) -> Theorem { derivation.theorems[k] }

  /// A chain starting at `⊢ t = t`.
  public func start(_ t: Term) throws -> Chain { Chain(builder: self, step: try apply(.refl(t))) }
}

/// `⊢ start = current`, extended by rewriting `current` at positions.
public struct Chain {
  public let builder: ProofBuilder
  public private(set) var step: Int

  init(builder: ProofBuilder, step: Int) {
    self.builder = builder
    self.step = step
  }

  public var theorem: Theorem { builder.theorem(step) }
  public var current: Term { theorem.rhs }

  public func subterm(at path: [Int]) throws -> Term { try current.subterm(at: path) }

  /// Applies a local kernel rule at `path` of the current term.
  public mutating func apply(_ rule: Rewrite, at path: [Int]) throws {
    step = try builder.apply(.rewrite(step, path: path, rule))
  }

  /// Replaces the subterm at `path` using the equation proved at step `equation`.
  public mutating func rewrite(at path: [Int], by equation: Int) throws {
    step = try builder.apply(.cong(step, path: path, by: equation))
  }

  /// Rewrites the subterm at `path` to `target` by `ring`, unless it is already exactly `target`.
  public mutating func ring(at path: [Int], to target: Term) throws {
    if try subterm(at: path) != target { try apply(.ring(target), at: path) }
  }
}
