import Testing
@testable import Train

/// Expects `schedule` refused as mis-wired, at a place whose text contains `place`, for a reason
/// whose text contains `because` (any reason when empty). Proved afresh unless `cached`.
func expectMiswired(_ schedule: BackwardSchedule, formulas: [String: String] = [:], cached: Bool = false, at place: String,
                    because: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
  do {
    _ = try ModelCertificate.prove(schedule, formulas: formulas, cached: cached)
    Issue.record("a mis-wired schedule was certified", sourceLocation: sourceLocation)
  } catch let ModelCertificateError.miswired(where_, reason) {
    #expect(where_.contains(place) && (because.isEmpty || reason.contains(because)), "\(where_): \(reason)", sourceLocation: sourceLocation)
  } catch {
    Issue.record("refused for another reason: \(error)", sourceLocation: sourceLocation)
  }
}
