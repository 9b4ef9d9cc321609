import Algebra
import Certificates
import Foundation

/// A static HTML proof explorer: `certify site` (Docs/Site.md).
///
/// The engine proves every statement of the theorem files given (timing each); every recorded
/// step is replayed through the kernel, so each equation a page shows is one the kernel computed.
/// The site is plain files — HTML with MathML, one stylesheet, one small script for the search
/// box — that work from `file://` with no server and fetch nothing:
///
///     index.html                      the catalogue by theorem file: status, time, claim; search
///     theorems/FILE/STATEMENT.html    statement, assumptions, definitions, side conditions,
///                                     certificate hash, why it failed, every step
///     models/SPEC.html                a model's layers and the certificates they rest on
///     rules.html                      the kernel's rules, from Docs/Rules.md
///     site.css, site.js, certify-site.txt
public enum Site {
  /// What to put in a site and where.
  public struct Request: Sendable {
    /// The `.thm` files, in order.
    public var theoremFiles: [String]
    /// The theorems folder: its files' certificates are looked up in `certificates`.
    public var theoremsFolder: String
    public var certificates: String
    /// The folder of model specs (`.spec`); a missing folder gives no model pages.
    public var models: String
    /// The kernel's rule reference (`Docs/Rules.md`).
    public var rules: String
    public var output: String
    /// Write into a non-empty folder that no earlier site wrote.
    public var force: Bool

    public init(theoremFiles: [String], theoremsFolder: String = "Theorems", certificates: String = "Certificates",
                models: String = "Models", rules: String = "Docs/Rules.md", output: String, force: Bool = false) {
      self.theoremFiles = theoremFiles
      self.theoremsFolder = theoremsFolder
      self.certificates = certificates
      self.models = models
      self.rules = rules
      self.output = output
      self.force = force
    }
  }

  /// What a generated site holds.
  public struct Summary: Sendable, Equatable {
    public var statements: Int
    public var certified: Int
    public var failed: Int
    public var models: Int
    public var files: Int
    /// The path of the index page.
    public var index: String
  }

  /// Proves, renders and writes the site.
  /// - Throws: `SiteError` (an unusable output folder is refused before anything is proved);
  ///   `ParseError` with file, line and column for a theorem file that does not parse.
  public static func generate(_ request: Request) throws -> Summary {
    let folder = try OutputFolder(request.output, force: request.force)
    let content = try SiteBuilder.content(request)
    let files = SiteBuilder.files(content)
    try folder.write(files)
    let proofs = content.files.flatMap(\.proofs)
    return Summary(statements: proofs.count, certified: proofs.filter { $0.status == .certified }.count,
                   failed: proofs.filter { $0.status == .failed }.count, models: content.models.count,
                   files: files.count + 1, index: request.output + "/index.html")
  }
}
