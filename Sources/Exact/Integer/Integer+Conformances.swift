internal import CGMP

extension Integer: Equatable, Comparable {
  public static func == (a: Integer, b: Integer) -> Bool {
    __gmpz_cmp(a.storage.pointer, b.storage.pointer) == 0
  }

  public static func < (a: Integer, b: Integer) -> Bool {
    __gmpz_cmp(a.storage.pointer, b.storage.pointer) < 0
  }
}

extension Integer: Hashable {
  public func hash(into hasher: inout Hasher) { Self.hashLimbs(storage.pointer, into: &hasher) }

  /// The limbs of a GMP integer, read in place (a rational's numerator and denominator are hashed
  /// without copying them out). GMP keeps integers normalized (no leading zero limbs), so equal
  /// values have equal limbs.
  static func hashLimbs(_ p: UnsafeMutablePointer<__mpz_struct>, into hasher: inout Hasher) {
    let z = p.pointee
    hasher.combine(z._mp_size)
    if let limbs = z._mp_d {
      for k in 0..<Int(z._mp_size.magnitude) { hasher.combine(limbs[k]) }
    }
  }
}

extension Integer: ExpressibleByIntegerLiteral {
  public init(integerLiteral value: Int) { self.init(value) }
}

extension Integer: LosslessStringConvertible {
  /// Decimal text, `-` for negative values.
  public var description: String {
    let capacity = __gmpz_sizeinbase(storage.pointer, 10) + 2
    return String(unsafeUninitializedCapacity: capacity) { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        _ = __gmpz_get_str(chars.baseAddress, 10, storage.pointer)
        return chars.firstIndex(of: 0) ?? 0
      }
    }
  }

  /// Reads decimal text; nil where `init(parsing:)` would throw.
  public init?(_ description: String) {
    guard let value = try? Integer(parsing: description) else { return nil }
    self = value
  }
}
