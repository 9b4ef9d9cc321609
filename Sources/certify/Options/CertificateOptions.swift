import ArgumentParser
import Certificates
import Foundation
import Train

/// Where certificates live, shared by the commands that build models over them: the ones built into
/// certify, or a folder given with `--certificates`, which is then the only place looked in.
struct CertificateOptions: ParsableArguments {
  @Option(help: "A folder of certificates to check the model's rules against instead of those built into certify; when given, only it is used.")
  var certificates: String?

  var store: CertificateStore {
    certificates.map { CertificateStore(directory: URL(fileURLWithPath: $0)) } ?? .builtIn
  }
}
