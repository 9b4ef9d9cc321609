extension ModelStatement {
  /// A side condition with each read of a pinned value at an index that is not a bound name
  /// written `([0 <= i1 < N1, ...] * a2[i1, ...])`, and each such read subtracted written
  /// `+ (-1) * (...)`.
  ///
  /// Why: a pinned value (a `def` summed over its own range, 0 outside it) read at `2*p + 1` by a
  /// max pool is a tensor `u` in the pool's own chain-rule identity, and the kernel's `chain` puts
  /// the value back for `u` as `[range] * a2[...]` wherever the `forall` around the read does not
  /// state the range (Docs/Engine.md, "Composition"). The pool's relu conditions then reach the
  /// gradients below it in exactly this form, which `discharge` compares term for term, so the
  /// statement assumes them so. Where the read is inside the value it is the same condition; the
  /// value is 0 outside, where both forms read 0.
  /// - Parameters:
  ///   - condition: the side condition, in the model's names.
  ///   - pinned: each pinned value's name and its dimensions.
  static func bracketingPinnedReads(_ condition: String, pinned: [String: [String]]) -> String {
    var text = condition
    for (value, dimensions) in pinned.sorted(by: { $0.key < $1.key }) where text.contains(value + "[") {
      // (No lookbehind in Swift's regexes: the character before the name is matched and kept.)
      guard let read = try? Regex("(^|[^A-Za-z0-9_])(" + value + #"\[([^\[\]]*)\])"#) else { continue }
      // `- a2[...]` as `+ (-1) * a2[...]`: the kernel's term for the negated read, bracketed below.
      if let negated = try? Regex(" - (?=" + value + #"\[)"#) { text = text.replacing(negated, with: " + (-1) * ") }
      text = text.replacing(read) { match -> String in
        let before = String(match.output[1].substring ?? ""), whole = String(match.output[2].substring ?? "")
        let arguments = (match.output[3].substring ?? "").split(separator: ",").map { String($0.filter { $0 != " " }) }
        let plain = arguments.allSatisfy { a in a.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && a.first?.isLetter == true }
        guard !plain, arguments.count == dimensions.count else { return before + whole }
        let range = zip(arguments, dimensions).map { "0 <= \($0) < \($1)" }.joined(separator: ", ")
        return before + "([\(range)] * \(whole))"
      }
    }
    return text
  }
}
