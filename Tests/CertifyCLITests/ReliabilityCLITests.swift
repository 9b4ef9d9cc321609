import Foundation
import Testing

/// Bad input ends in one line and a status, never a signal; output options write regular files
/// only, checked before the work; a killed training run resumes to the same weights.
@Suite("certify: limits, output files, resuming")
struct ReliabilityCLITests {
  /// Writes `text` to `name` in `dir` and returns its path.
  func file(_ dir: URL, _ name: String, _ text: String) throws -> String {
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  @Test func oversizedModelsAreRefusedWithTheLimit() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases = [
      ("input 784\ndense 2000000000\nloss mse\n", "big.spec:2:7: the layer's output width 2000000000 is above the limit of 16777216"),
      ("input 784\nlayer wide(n)\n  input x[n]\n  output y[i: 100000000 * n] = x[0]\ndense 10\nloss mse\n", "above the limit of 16777216"),
      ("input 784\ndense 256\nlayer cut(n)\n  input x[n]\n  output y[i: n - 300] = x[i]\ndense 10\nloss mse\n", "(n - 300 with n = 256, the width of its input)"),
      ("input 784\ndense 100000\ndense 100000\nloss mse\n", "of memory; this machine has"),
    ]
    for (text, message) in cases {
      let run = try certify(["train", "--model", try file(dir, "big.spec", text), "--epochs", "1", "--limit", "10"])
      #expect(run.status == 1, "\(text): \(run.err)")
      #expect(run.err.hasPrefix("error: ") && run.err.contains(message), "\(run.err)")
      #expect(run.err.split(separator: "\n").count == 1, "\(run.err)")
    }
  }

  @Test(arguments: [
    (["audit", "robustness", "--model", "m.ckpt", "--precision", "99999999999999"], "--precision must be at most 65536 bits"),
    (["audit", "gradients", "--model", "m.ckpt", "--precision", "1000000000"], "--precision must be at most 65536 bits"),
    (["audit", "gradients", "--model", "m.ckpt", "--precision", "12"], "--precision must be at least 24 bits"),
    (["audit", "robustness", "--model", "m.ckpt", "--eps", "-0.1"], "eps must be >= 0"),
    (["audit", "robustness", "--model", "m.ckpt", "--eps", "0.01,-1/255"], "eps must be >= 0"),
    (["audit", "gradients", "--model", "m.ckpt", "--offset", "-3"], "--offset must be >= 0, not -3"),
    (["train", "--lr", "-0.1"], "--lr must be a positive number, not -0.1"),
    (["train", "--lr", "1e9"], "--lr must be at most 1000.0"),
    (["train", "--momentum", "-0.5"], "--momentum must be in [0, 1), not -0.5"),
    (["train", "--batch", "-5"], "--batch must be at least 1, not -5"),
    (["train", "--epochs", "0"], "--epochs must be at least 1"),
    (["train", "--lr-schedule", "linear"], "--lr-schedule: unknown learning-rate schedule 'linear'"),
    (["train", "--lr-schedule", "step:5,3"], "--lr-schedule: the step schedule's milestones must increase: 3 follows 5"),
    (["train", "--epochs", "9223372036854775807"], "--epochs must be at most 100000"),
  ])
  func badNumbersAreRefusedWithTheReason(arguments: [String], message: String) throws {
    let run = try certify(arguments)
    #expect(run.status == 64, "\(run.err)")
    #expect(run.err.contains(message), "\(run.err)")
  }

  @Test func anOffsetPastTheTestSetIsAnErrorNotATrap() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let spec = try file(dir, "s.spec", "input 784\ndense 4\nrelu\ndense 10\nloss softmax_cross_entropy\n")
    let model = dir.appendingPathComponent("m.ckpt").path
    #expect(try certify(["train", "--model", spec, "--epochs", "1", "--limit", "20", "--out", model]).status == 0)
    let run = try certify(["audit", "gradients", "--model", model, "--offset", "\(Int.max)", "--batch", "1"])
    #expect(run.status == 1, "\(run.err)")
    #expect(run.err.hasPrefix("error: data: examples from \(Int.max), 1 of them, asked for"), "\(run.err)")
  }

  /// A NaN written into a checkpoint's weights (CRC-32 fixed, so only the value is wrong) is
  /// refused by `evaluate` and both audits, naming the array, instead of printing `loss -nan`.
  @Test func nonFiniteWeightsAreRefusedOnLoad() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let spec = try file(dir, "s.spec", "input 784\ndense 4\nrelu\ndense 10\nloss softmax_cross_entropy\n")
    let model = dir.appendingPathComponent("m.ckpt").path
    #expect(try certify(["train", "--model", spec, "--epochs", "1", "--limit", "20", "--out", model]).status == 0)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
    let length = (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
    let data = 20 + length
    // dense1.b[2]: after the 4 × 784 weights of dense1.W.
    let at = data + 4 * (4 * 784 + 2)
    bytes.replaceSubrange(at..<(at + 4), with: [0x00, 0x00, 0xC0, 0x7F])  // a quiet NaN, little-endian
    var header = String(decoding: bytes[20..<data], as: UTF8.self)
    let crc = crc32(Array(bytes[data...]))
    header.replace(#/"data_crc32":\d+/#, with: "\"data_crc32\":\(crc)")
    let newHeader = Array(header.utf8)
    let newLength = (0..<8).map { UInt8(truncatingIfNeeded: newHeader.count >> (8 * $0)) }
    bytes = Array(bytes[0..<12]) + newLength + newHeader + Array(bytes[data...])
    try Data(bytes).write(to: URL(fileURLWithPath: model))
    for command in [["evaluate", model], ["audit", "robustness", "--model", model, "--limit", "5"], ["audit", "gradients", "--model", model, "--batch", "2"]] {
      let run = try certify(command)
      #expect(run.status == 1, "\(command): \(run.err)")
      #expect(run.err.hasPrefix("error: ") && run.err.contains("array 'dense1.b' holds NaN at index 2; weights must be finite"), "\(command): \(run.err)")
      #expect(!run.out.contains("nan"))
    }
  }

  @Test func outputDestinationsAreCheckedBeforeTraining() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let spec = try file(dir, "s.spec", "input 784\ndense 8\nrelu\ndense 10\nloss softmax_cross_entropy\n")
    let cases = [
      ("/dev/null", "is a device, not a regular file"),
      (dir.path, "is a folder"),
      (dir.appendingPathComponent("typo/m.ckpt").path, "its folder \(dir.path)/typo does not exist"),
    ]
    for (out, message) in cases {
      let run = try certify(["train", "--model", spec, "--epochs", "1", "--limit", "50", "--out", out])
      #expect(run.status == 1)
      #expect(run.err == "error: \(out): \(message)" + (message.hasPrefix("is a device") ? "; output goes to regular files only\n" : message == "is a folder" ? "; name a file in it\n" : "\n"))
      #expect(!run.out.contains("epoch"), "trained before refusing: \(run.out)")
    }
    let list = try certify(["list", "--markdown", "--output", "/dev/full"])
    #expect(list.status == 1 && list.err.contains("is a device"), "\(list.err)")
  }

  @Test func aSymbolicLinkIsFollowed() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let target = try file(dir, "catalogue.md", "old")
    let link = dir.appendingPathComponent("link.md").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    let run = try certify(["list", "--markdown", "--output", link])
    #expect(run.status == 0, "\(run.err)")
    #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("# Catalogue"))
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
  }

  @Test func commandErrorsAreOneErrorLine() throws {
    for arguments in [["explain", "no_such_rule"], ["prove", "/nonexistent.thm"], ["evaluate", "/nonexistent.ckpt"], ["derive", "Theorems/layers.thm", "--layer", "nope"]] {
      let run = try certify(arguments)
      #expect(run.status == 1, "\(arguments): \(run.err)")
      #expect(run.err.hasPrefix("error: "), "\(arguments): \(run.err)")
    }
  }

  /// SIGKILL in the middle of an epoch, `--resume`, and the final checkpoint's data — weights,
  /// optimizer state, order — is byte for byte that of a run never stopped. With checkpoints at
  /// epoch ends only, the run resumes at the start of the epoch it was killed in; with
  /// `--checkpoint-steps`, at the step after the last checkpoint.
  @Test(arguments: [[], ["--checkpoint-steps", "100"]])
  func aKilledRunResumesToTheSameWeights(checkpoints: [String]) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let spec = try file(dir, "s.spec", "input 784\ndense 24\nrelu\ndropout keep 0.9\ndense 10\nloss softmax_cross_entropy\n")
    let options = ["--model", spec, "--epochs", "3", "--limit", "6000", "--batch", "20", "--seed", "5", "--threads", "1", "--optimizer", "adam", "--lr", "0.001"]
    let whole = dir.appendingPathComponent("whole.ckpt").path, killed = dir.appendingPathComponent("killed.ckpt").path
    let run = try certify(["train", "--out", whole] + options)
    #expect(run.status == 0, "\(run.err)")

    // The run to kill: as soon as the checkpoint of epoch 1 appears, epoch 2 is under way.
    let process = try startCertify(["train", "--out", killed] + checkpoints + options)
    while process.isRunning && !FileManager.default.fileExists(atPath: killed) { usleep(2_000) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
    // Killed by the signal, so within an epoch: epoch 2 (or, on a machine slow to poll, 3), or
    // with step checkpoints, after step 100 of epoch 1 (or a later one).
    let state = try #require(try checkpointHeader(killed)["state"] as? [String: Any])
    let completed = try #require(state["completed_epochs"] as? Int), steps = state["completed_steps"] as? Int
    if checkpoints.isEmpty {
      #expect((completed == 1 || completed == 2) && steps == nil)
    } else {
      #expect(completed < 3 && steps != nil && steps! % 100 == 0)
    }

    let resumed = try certify(["train", "--resume", killed] + options)
    #expect(resumed.status == 0, "\(resumed.err)")
    let at = steps.map { "at step \($0 + 1) of epoch \(completed + 1)" } ?? "after epoch \(completed)"
    #expect(resumed.out.contains("resuming \(killed) \(at) of 3"), "\(resumed.out)")
    #expect(try checkpointData(killed) == checkpointData(whole))

    // A finished run has nothing to resume; a different recipe is refused, naming the option.
    let again = try certify(["train", "--resume", killed] + options)
    #expect(again.status == 1 && again.err.contains("it has finished 3 epochs already; give --epochs above 3"), "\(again.err)")
    let other = try certify(["train", "--resume", killed] + options.filter { $0 != "5" && $0 != "--seed" })
    #expect(other.status == 1 && other.err.contains("--seed 5, this command gives 0"), "\(other.err)")
    let schedule = try certify(["train", "--resume", killed] + options + ["--lr-schedule", "cosine"])
    #expect(schedule.status == 1 && schedule.err.contains("--lr-schedule constant, this command gives cosine"), "\(schedule.err)")
  }
}

/// Starts the built `certify` binary without waiting for it.
func startCertify(_ arguments: [String]) throws -> Process {
  let process = Process()
  process.executableURL = try certifyExecutable()
  process.arguments = arguments
  process.currentDirectoryURL = packageRoot
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  try process.run()
  return process
}

/// A checkpoint's header (Docs/Training.md, "Checkpoint format": magic, version, length, JSON).
func checkpointHeader(_ path: String) throws -> [String: Any] {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  let length = (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
  return try JSONSerialization.jsonObject(with: Data(bytes[20..<(20 + length)])) as! [String: Any]
}

/// A checkpoint's data: every array, the optimizer's state and the training order.
func checkpointData(_ path: String) throws -> [UInt8] {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  let length = (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
  return Array(bytes[(20 + length)...])
}

/// CRC-32 (IEEE, zlib's `crc32`), bit by bit: the checkpoint's data checksum.
func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}
