@testable import Evaluation
import Exact
import ProofKernel
import Testing

@Suite struct PowerTests {
  let empty = Environment()

  @Test func integerPowers() throws {
    #expect(try value(pow(q(-2), 3), empty) == r(-8))
    #expect(try value(pow(q(2, 3), -2), empty) == r(9, 4))
    #expect(try value(pow(q(0), 0), empty) == r(1))
    #expect(try value(pow(q(0), 5), empty) == r(0))
  }

  @Test func exactRoots() throws {
    #expect(try value(pow(q(4), 1, 2), empty) == r(2))
    #expect(try value(pow(q(8), -1, 3), empty) == r(1, 2))
    #expect(try value(pow(q(4, 9), 3, 2), empty) == r(8, 27))
    #expect(try value(pow(q(0), 1, 2), empty) == r(0))
    #expect(try value(pow(q(1), 7, 5), empty) == r(1))
    #expect(try value(pow(dim("n"), 1, 2), Environment(dimensions: ["n": 9])) == r(3))
  }

  @Test func irrationalRootIsNotExact() {
    #expect(throws: EvaluationError.notExact("(2)^(1/2) is irrational")) { try value(pow(q(2), 1, 2), empty) }
    #expect(throws: EvaluationError.notExact("(4/3)^(-1/2) is irrational")) { try value(pow(q(4, 3), -1, 2), empty) }
    #expect(throws: EvaluationError.notExact("(2)^(1/2) is irrational")) {
      try value(pow(dim("n"), 1, 2), Environment(dimensions: ["n": 2]))
    }
  }

  @Test func undefinedPowers() {
    #expect(throws: EvaluationError.undefined("(0)^(-1): a negative power of 0")) { try value(pow(q(0), -1), empty) }
    #expect(throws: EvaluationError.undefined("(0)^(-1/2): a negative power of 0")) {
      try value(pow(q(0), -1, 2), empty)
    }
    #expect(throws: EvaluationError.undefined("(-4)^(1/2): a fractional power of a negative number")) {
      try value(pow(q(-4), 1, 2), empty)
    }
  }

  @Test func hugeExponentIsRefused() throws {
    #expect(throws: EvaluationError.self) { try value(pow(q(2), 1 << 30), empty) }
    #expect(try value(pow(q(-1), 1 << 30), empty) == r(1))
  }

  @Test func exactRootAgreesWithBruteForce() {
    for r in 1...6 {
      var powers: [Int: Int] = [:]  // k^r -> k
      var k = 0
      while true {
        var p = 1
        for _ in 0..<r { p *= k }
        if p > 5000 { break }
        powers[p] = k
        k += 1
      }
      for n in 0...5000 {
        let root = Integer(n).exactRoot(r)
        #expect(root == powers[n].map { Integer($0) }, "\(n)^(1/\(r))")
      }
    }
  }

  @Test func exactRootOfLargeNumbers() throws {
    let big = Integer(10).power(30)
    #expect(big.exactRoot(3) == Integer(10).power(10))
    #expect((big + Integer(1)).exactRoot(3) == nil)
    #expect(Integer(2).power(200).exactRoot(200) == Integer(2))
    #expect(Integer(3).power(200).exactRoot(199) == nil)
    #expect(Integer(2).exactRoot(1_000_000) == nil)
  }
}
