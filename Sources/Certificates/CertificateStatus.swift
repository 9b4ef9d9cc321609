public import ProofKernel

/// The state of a statement's certificate: the one answer every caller gives (`certify check`,
/// `certify list`, the trainer's certification gate, the gradient audit).
///
/// - `accepted`: it replays through the kernel to exactly the expected theorem (or, with nothing
///   expected, to the theorem it records);
/// - `stale`: it replays, but to another theorem than the expected one (the statement changed);
/// - `rejected`: it does not replay (unreadable, truncated, tampered, wrong versions), with the step
///   and rule at fault;
/// - `missing`: there is no certificate for it where the caller looked.
public enum CertificateStatus: Sendable {
  case accepted(ReplayedTheorem)
  case stale(ReplayedTheorem)
  case rejected(CertificateRejection)
  case missing(looked: String)

  /// `certified`, `stale`, `rejected` or `missing`: the word `certify list` prints.
  public var label: String {
    switch self {
    case .accepted: return "certified"
    case .stale: return "stale"
    case .rejected: return "rejected"
    case .missing: return "missing"
    }
  }

  /// The status of a certificate's text, replayed and compared with `expected` (a theorem's
  /// serialization, `Theorem.serialization(hypotheses:lhs:rhs:)`), when given.
  public static func of(text: String, expecting expected: String?) -> CertificateStatus {
    do { return of(try Certificate(decoding: text), expecting: expected) } catch { return .rejected(CertificateRejection(error)) }
  }

  /// The status of a decoded certificate.
  public static func of(_ certificate: Certificate, expecting expected: String?) -> CertificateStatus {
    let replayed: ReplayedTheorem
    do { replayed = try Replay.replay(certificate) } catch { return .rejected(error) }
    if let expected, replayed.serialization != expected { return .stale(replayed) }
    return .accepted(replayed)
  }
}

extension CertificateStore {
  /// The status of the certificate of statement `name` from theorem file `source` in this store.
  public func status(of name: String, source: String, expecting expected: String?) -> CertificateStatus {
    let entry: Entry
    do {
      let relative = try CertificateStore.relativePath(name: name, source: source)
      entry = Entry(relativePath: relative, name: name, source: source)
    } catch {
      return .missing(looked: location)
    }
    guard contains(entry) else { return .missing(looked: location) }
    do { return .of(try load(entry), expecting: expected) } catch { return .rejected(CertificateRejection(error)) }
  }
}
