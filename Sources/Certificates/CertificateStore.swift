public import Foundation

/// The directory of certificates, which mirrors `Theorems/`: the certificate of statement `S` from
/// `Theorems/dir/file.thm` lives at `Certificates/dir/file/S.json`.
///
/// Example:
///
///     let store = CertificateStore(directory: root.appendingPathComponent("Certificates"))
///     try CertificateStore.relativePath(name: "dense.x", source: "Theorems/layers.thm")  // "layers/dense.x.json"
///     let changed = try store.write(certificate)    // false when the file already has this content
///     let certificate = try store.load(named: "dense.x")
public struct CertificateStore: Sendable {
  /// The folder theorem files live in, relative to the package root.
  public static let theoremsFolder = "Theorems"

  /// The `Certificates/` directory (for a store of files built into the program, a placeholder).
  public let directory: URL
  /// The files of a store built into the program, by relative path; nil for a folder on disk.
  private let files: [String: String]?
  /// Where certificates are looked for, for messages: `the folder Certificates` or
  /// `the certificates built into certify`.
  public let location: String

  public init(directory: URL) {
    self.directory = directory
    self.files = nil
    self.location = "the folder \(directory.path)"
  }

  /// A read-only store of certificate texts built into the program (by relative path,
  /// `layers/dense.x.json`), so that it works from any folder.
  public init(builtIn files: [String: String], location: String) {
    self.directory = URL(fileURLWithPath: "/")
    self.files = files
    self.location = location
  }

  /// A certificate file found in the store.
  public struct Entry: Hashable, Sendable {
    /// The path below the store's directory, `dir/file/S.json`.
    public var relativePath: String
    /// The statement's name, `S`.
    public var name: String
    /// The theorem file it mirrors, `Theorems/dir/file.thm`.
    public var source: String
  }

  // MARK: - Paths

  /// `dir/file/S.json` for statement `S` of `Theorems/dir/file.thm` (a `source` without the
  /// `Theorems/` prefix is taken as relative to it).
  /// - Throws: `CertificateError.store` when the name could escape its folder (empty, `/`, a
  ///   leading `.`) or the source is not a `.thm` path below `Theorems/`.
  public static func relativePath(name: String, source: String) throws(CertificateError) -> String {
    guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !name.contains("\\"), !name.contains("\0") else {
      throw .store(path: name, reason: "not a statement name that can name a file")
    }
    var components = source.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    if components.first == theoremsFolder { components.removeFirst() }
    guard let last = components.last, last.hasSuffix(".thm"), last.count > 4,
      components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("\\") && !$0.contains("\0") })
    else { throw .store(path: source, reason: "not the path of a .thm file below \(theoremsFolder)/") }
    components[components.count - 1] = String(last.dropLast(4))
    return (components + [name + ".json"]).joined(separator: "/")
  }

  /// The file of statement `name` from `source`.
  public func url(name: String, source: String) throws(CertificateError) -> URL {
    directory.appendingPathComponent(try CertificateStore.relativePath(name: name, source: source))
  }

  // MARK: - Reading

  /// Every certificate file in the store, sorted by path.
  /// - Throws: `CertificateError.store` when the directory cannot be read.
  public func entries() throws(CertificateError) -> [Entry] {
    if let files { return files.keys.compactMap(CertificateStore.entry).sorted { $0.relativePath < $1.relativePath } }
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { return [] }
    guard isDirectory.boolValue else { throw .store(path: directory.path, reason: "not a directory") }
    guard let walker = fm.enumerator(atPath: directory.path) else {
      throw .store(path: directory.path, reason: "cannot list the directory")
    }
    var out: [Entry] = []
    while let next = walker.nextObject() as? String {
      if let entry = CertificateStore.entry(next) { out.append(entry) }
    }
    return out.sorted { $0.relativePath < $1.relativePath }
  }

  /// The entry of a file at `path` below the store (`dir/file/S.json`), nil for any other file.
  private static func entry(_ path: String) -> Entry? {
    let components = path.split(separator: "/").map(String.init)
    guard components.count >= 2, let file = components.last, file.hasSuffix(".json"), file.count > 5 else { return nil }
    let folder = components.dropLast().joined(separator: "/")
    return Entry(relativePath: path, name: String(file.dropLast(5)), source: "\(CertificateStore.theoremsFolder)/\(folder).thm")
  }

  /// Whether the store has a file at the entry's place.
  public func contains(_ entry: Entry) -> Bool {
    if let files { return files[entry.relativePath] != nil }
    return FileManager.default.fileExists(atPath: directory.appendingPathComponent(entry.relativePath).path)
  }

  /// The text of one stored file.
  public func text(of entry: Entry) throws(CertificateError) -> String {
    if let files {
      guard let text = files[entry.relativePath] else { throw .store(path: entry.relativePath, reason: "not in \(location)") }
      return text
    }
    let url = directory.appendingPathComponent(entry.relativePath)
    do {
      let data = try Data(contentsOf: url)
      guard let text = String(data: data, encoding: .utf8) else { throw CertificateError.store(path: url.path, reason: "not UTF-8") }
      return text
    } catch let error as CertificateError {
      throw error
    } catch {
      throw .store(path: url.path, reason: "cannot read: \(error.localizedDescription)")
    }
  }

  /// Reads one stored certificate; its `name` and `source` must match where it is stored.
  public func load(_ entry: Entry) throws(CertificateError) -> Certificate {
    let certificate = try Certificate(decoding: try text(of: entry))
    guard certificate.name == entry.name, (try? CertificateStore.relativePath(name: certificate.name, source: certificate.source)) == entry.relativePath else {
      throw .store(path: entry.relativePath, reason: "holds the certificate of \(certificate.name) from \(certificate.source), which belongs elsewhere")
    }
    return certificate
  }

  /// The certificate of the statement named `name`, searching the whole store.
  /// - Throws: `CertificateError.store` when no file or more than one has that name, or the file
  ///   cannot be read; a decoding error when it is not a certificate.
  public func load(named name: String) throws(CertificateError) -> Certificate {
    let found = try entries().filter { $0.name == name }
    guard let entry = found.first else { throw .store(path: location, reason: "no certificate named \(name)") }
    guard found.count == 1 else {
      throw .store(path: directory.path, reason: "\(found.count) certificates named \(name): \(found.map(\.relativePath).joined(separator: ", "))")
    }
    return try load(entry)
  }

  // MARK: - Writing

  /// Writes `certificate` at its place (creating folders), only when the file's content differs.
  /// - Returns: whether the file changed (false: it already held exactly this text).
  @discardableResult
  public func write(_ certificate: Certificate) throws(CertificateError) -> Bool {
    guard files == nil else { throw .store(path: certificate.name, reason: "\(location) cannot be written") }
    let url = try url(name: certificate.name, source: certificate.source)
    let data = Data(certificate.encoded().utf8)
    if let existing = try? Data(contentsOf: url), existing == data { return false }
    do {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: url, options: .atomic)
    } catch {
      throw .store(path: url.path, reason: "cannot write: \(error.localizedDescription)")
    }
    return true
  }
}
