// ExactBenchmarks: nanoseconds per operation for Rational and Interval, median of 7 timed runs.
//
//   swift run -c release ExactBenchmarks          a table
//   swift run -c release ExactBenchmarks --json   one JSON object, read by scripts/bench-exact

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let arguments = CommandLine.arguments.dropFirst()
guard arguments.allSatisfy({ $0 == "--json" }) else {
  print("usage: ExactBenchmarks [--json]")
  exit(2)
}

var results: [(name: String, nanoseconds: Double)] = []
for benchmark in benchmarkCases {
  results.append((benchmark.name, medianNanosecondsPerCall(benchmark.body) / Double(benchmark.operations)))
}

if arguments.contains("--json") {
  let fields = results.map { "\"\($0.name)\": \(($0.nanoseconds * 10).rounded() / 10)" }
  print("{\"unit\": \"ns/op\", \"results\": {\(fields.joined(separator: ", "))}}")
} else {
  print("operation".padding(to: 22) + "ns/op".leftPadding(to: 12))
  for (name, nanoseconds) in results {
    print(name.padding(to: 22) + String((nanoseconds * 10).rounded() / 10).leftPadding(to: 12))
  }
}

extension String {
  func padding(to width: Int) -> String {
    self + String(repeating: " ", count: max(0, width - count))
  }
  func leftPadding(to width: Int) -> String {
    String(repeating: " ", count: max(0, width - count)) + self
  }
}
