import Foundation
import Testing
@testable import Train

/// `OutputFile`, behind every output option: regular files only, symbolic links followed,
/// replaced atomically, and checked before the work.
@Suite("Output files")
struct OutputFileTests {
  @Test func writesANewFileAndReplacesAnOldOne() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("out.txt").path
    try OutputFile(path).write("one")
    try OutputFile(path).write("two")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
    // No temporary file is left beside it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.txt"])
  }

  @Test func refusesFoldersDevicesAndMissingFolders() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    func reason(_ path: String) -> String? {
      do { _ = try OutputFile(path); return nil } catch { return error.reason }
    }
    #expect(reason(dir.path) == "is a folder; name a file in it")
    #expect(reason("/dev/null")?.hasPrefix("is a device") == true)
    #expect(reason(dir.appendingPathComponent("nowhere/out.txt").path) == "its folder \(dir.path)/nowhere does not exist")
    #expect(reason("") == "the path is empty")
    #expect(reason(dir.appendingPathComponent("fine.txt").path) == nil)
  }

  @Test func followsSymbolicLinks() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let target = dir.appendingPathComponent("target.txt").path, link = dir.appendingPathComponent("link.txt").path
    try "old".write(toFile: target, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.txt")
    try OutputFile(link).write("new")
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "target.txt")
    // A link to a device is refused like the device.
    let device = dir.appendingPathComponent("device").path
    try FileManager.default.createSymbolicLink(atPath: device, withDestinationPath: "/dev/null")
    #expect(throws: OutputFileError.self) { try OutputFile(device) }
  }

  @Test func aReplacedFileKeepsItsPermissions() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("script.sh").path
    try "echo".write(toFile: path, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: path)
    try OutputFile(path).write("echo hi")
    #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o750)
  }
}
