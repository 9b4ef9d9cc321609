import ArgumentParser

/// `--theorems`: where the `.thm` files are, shared by `prove` and `list`.
struct TheoremFolderOptions: ParsableArguments {
  @Option(help: "The directory of theorem files.")
  var theorems = "Theorems"
}

/// `--certificates`: the folder of certificate files that `prove` writes and `list` and `explain`
/// read. (`check` has its own, whose help says it applies only when no path is given; `train`,
/// `evaluate` and `audit gradients` take `CertificateOptions`, an optional store that replaces
/// the certificates built into certify.)
struct CertificateFolderOptions: ParsableArguments {
  @Option(help: "The directory of certificates.")
  var certificates = "Certificates"
}
