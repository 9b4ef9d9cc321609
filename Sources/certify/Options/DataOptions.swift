import ArgumentParser
import Train

/// The data set location, shared by `train` and `evaluate`.
struct DataOptions: ParsableArguments {
  @Option(help: "The directory holding the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, ...).")
  var data: String = FashionMNIST.defaultDirectory
}
