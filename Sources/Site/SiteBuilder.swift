import Algebra
import Certificates
import Foundation

/// Makes the site's content (proving every statement) and its files, without touching the disk
/// beyond reading: what `Site.generate` writes and what the tests inspect.
enum SiteBuilder {
  static func content(_ request: Site.Request) throws -> SiteContent {
    let rules = try RulesDocument.load(request.rules)
    let store = CertificateStore(directory: URL(fileURLWithPath: request.certificates))
    let folder = request.theoremsFolder.hasSuffix("/") ? String(request.theoremsFolder.dropLast()) : request.theoremsFolder
    var files: [SiteContent.TheoremFile] = []
    var jobs: [(file: Int, statement: Statement, kind: String, source: String?)] = []
    for path in request.theoremFiles {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw SiteError.unreadable(path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
      }
      let document = try TheoremLanguage.parse(String(decoding: data, as: UTF8.self), file: path)
      let inside = path.hasPrefix(folder + "/")
      let below = inside ? String(path.dropFirst(folder.count + 1).dropLast(path.hasSuffix(".thm") ? 4 : 0)) : nil
      var stem = below ?? "other/" + URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
      while files.contains(where: { $0.stem == stem }) { stem += "_" }  // two outside files of one name
      let source = below.map { _ in CertificateStore.theoremsFolder + path.dropFirst(folder.count) }
      let theorems = Set(document.theorems.map(\.name))
      jobs += document.statements.map { (files.count, $0, theorems.contains($0.name) ? "theorem" : "layer rule", source) }
      files.append(.init(path: path, stem: stem, document: document, proofs: []))
    }
    let paths = files.map(\.path)
    let proofs = jobs.concurrentMap { job in
      StatementProof.prove(job.statement, file: paths[job.file], kind: job.kind, certificateSource: job.source, store: store)
    }
    for (job, proof) in zip(jobs, proofs) { files[job.file].proofs.append(proof) }
    let models = ModelSummary.specs(in: request.models).map { ModelSummary.load($0, store: store) }
    return SiteContent(files: files, models: models, rules: rules)
  }

  static func files(_ site: SiteContent) -> [SiteFile] {
    var out = [
      SiteFile(path: "index.html", text: IndexPage.render(site)),
      SiteFile(path: "rules.html", text: site.rules.render()),
      SiteFile(path: "site.css", text: Stylesheet.text),
      SiteFile(path: "site.js", text: Script.text),
    ]
    let pages = site.files.flatMap(\.proofs).concurrentMap { proof in
      let path = site.pagePath(proof)
      return SiteFile(path: path, text: TheoremPage.render(proof, path: path, site: site))
    }
    out += pages
    for model in site.models { out.append(SiteFile(path: model.pagePath, text: ModelPage.render(model, site: site))) }
    return out
  }
}
