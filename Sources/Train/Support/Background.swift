import Dispatch

/// A value computed on another thread; `value()` waits for it.
final class Background<Value>: @unchecked Sendable {
  private let done = DispatchGroup()
  /// Written once, on the other thread, before `done` is left; read only after waiting on it.
  private var result: Result<Value, any Error>?

  init(_ work: @escaping @Sendable () throws -> Value) {
    done.enter()
    DispatchQueue.global().async {
      self.result = Result { try work() }
      self.done.leave()
    }
  }

  func value() throws -> Value {
    done.wait()
    return try result!.get()
  }
}
