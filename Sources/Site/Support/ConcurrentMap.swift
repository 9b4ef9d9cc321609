import Foundation

extension Array {
  /// `map` spread over the machine's cores, results in order: the statements of a site are proved
  /// and their pages written independently of each other. `transform` must not share mutable state.
  func concurrentMap<T>(_ transform: (Element) -> T) -> [T] {
    guard count > 1 else { return map(transform) }
    return withoutActuallyEscaping(transform) { transform in
      let work = ConcurrentWork(items: self, transform: transform)
      DispatchQueue.concurrentPerform(iterations: count) { work.run($0) }
      return work.results
    }
  }
}

/// The items, the function and one result slot per item; each iteration writes its own slot only,
/// so the slots are raw memory rather than an array (whose accesses would overlap).
private final class ConcurrentWork<Element, T>: @unchecked Sendable {
  let items: [Element]
  let transform: (Element) -> T
  let slots: UnsafeMutablePointer<T?>

  init(items: [Element], transform: @escaping (Element) -> T) {
    self.items = items
    self.transform = transform
    slots = .allocate(capacity: items.count)
    slots.initialize(repeating: nil, count: items.count)
  }

  deinit {
    slots.deinitialize(count: items.count)
    slots.deallocate()
  }

  func run(_ k: Int) { slots[k] = transform(items[k]) }

  var results: [T] { (0..<items.count).map { slots[$0]! } }
}
