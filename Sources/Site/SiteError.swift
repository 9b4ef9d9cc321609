/// Why a site was not written. Each names the file or folder at fault.
public enum SiteError: Error, Equatable, CustomStringConvertible {
  /// A file that cannot be read (the path and why).
  case unreadable(String, String)
  /// The output folder holds files that no earlier `certify site` wrote, and `--force` was not given.
  case notASite(String, entries: Int)
  /// The output path exists and is not a folder.
  case notAFolder(String)
  /// Writing failed (the path and the system's reason).
  case write(String, String)

  public var description: String {
    switch self {
    case let .unreadable(path, why): return "\(path): \(why)"
    case let .notASite(path, entries):
      return "\(path): the folder is not empty (\(entries) entr\(entries == 1 ? "y" : "ies")) and was not written by certify site; "
        + "choose an empty or new folder, or pass --force to write into it anyway"
    case let .notAFolder(path): return "\(path): exists and is not a folder"
    case let .write(path, why): return "\(path): cannot write: \(why)"
    }
  }
}
