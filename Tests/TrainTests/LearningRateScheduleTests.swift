import Foundation
import Testing
@testable import Train

/// The schedules' rates at chosen steps, their text form, and the texts refused.
@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
  @Test func constantIsTheBaseRateAtEveryStep() {
    for taken in [0, 1, 59, 60, 1000] {
      #expect(LearningRateSchedule.constant.rate(base: 0.05, taken: taken, stepsPerEpoch: 10, epochs: 6) == 0.05)
    }
  }

  /// 6 epochs of 10 steps: the base at the first step, half of it at step 30, 0 at the end.
  @Test func cosineFallsFromTheBaseRateToZeroOverTheRun() {
    func rate(_ taken: Int) -> Double { LearningRateSchedule.cosine.rate(base: 0.05, taken: taken, stepsPerEpoch: 10, epochs: 6) }
    #expect(rate(0) == 0.05)
    #expect(rate(30) == 0.025)
    #expect(rate(60) == 0)
    #expect(rate(15) == 0.05 * (1 + cos(Double.pi / 4)) / 2)  // π (15 / 60) is π / 4 exactly
    #expect(abs(rate(15) - 0.042677669529663684) < 1e-15)  // 0.05 (1 + √2/2) / 2
    let rates = (0...60).map(rate)
    #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })  // strictly decreasing
  }

  /// `step:2,4` with 10 steps an epoch: epochs 1–2 at the base rate, 3–4 at a tenth, then a hundredth.
  @Test func stepDividesByTenAfterEachMilestone() throws {
    let schedule = try LearningRateSchedule(parsing: "step:2,4")
    #expect(schedule == .step(milestones: [2, 4]))
    func rate(_ taken: Int) -> Double { schedule.rate(base: 0.5, taken: taken, stepsPerEpoch: 10, epochs: 6) }
    #expect([0, 19].map(rate) == [0.5, 0.5])
    #expect([20, 39].map(rate) == [0.5 * 0.1, 0.5 * 0.1])
    #expect([40, 59].map(rate) == [0.5 * pow(0.1, 2), 0.5 * pow(0.1, 2)])
  }

  @Test(arguments: ["constant", "cosine", "step:3", "step:1,5,8"])
  func textRoundTrips(text: String) throws {
    #expect(try LearningRateSchedule(parsing: text).description == text)
  }

  @Test(arguments: ["", "linear", "Cosine", "step:", "step:0", "step:3,2", "step:2,2", "step:a", "step:1,,2", "step:-1"])
  func badTextIsRefusedWithTheReason(text: String) {
    #expect(throws: TrainingError.self) { try LearningRateSchedule(parsing: text) }
  }
}
