import ArgumentParser
import Foundation

/// Runs `body`, turning any error it throws (training, data, spec, certification, checkpoint,
/// audit) into one `error: ...` line on standard error and a failing exit status. Argument
/// Parser's own errors pass through, so usage errors keep their exit status and help.
func reportingFailure(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let error as ExitCode {
    throw error
  } catch let error as ValidationError {
    throw error
  } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    throw ExitCode.failure
  }
}
