"""What the JAX references of scripts/bench-train share: their options, the training set on the
device, and the epoch loop with its measurements, printed as the JSON line of `certify train --json`.

Each reference supplies its network as two jit-compiled functions over an opaque training state
(parameters, optimizer moments, batch-norm statistics): `step(state, train_x, train_y, index, rate)`
returns `(state, loss, kinks)`, where `kinks` counts the batch's relu kinks or is None, and
`predict(state, x)` the predicted classes.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_reference_numpy import load  # noqa: E402
import lr_schedule  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402


def arguments(doc, lr, schedule=True, extra=None):
    """The options bench-train passes; `schedule=False` for a reference that runs a constant rate
    (it then accepts `--momentum` and ignores it, as Adam has none)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=lr)
    if schedule:
        parser.add_argument("--momentum", type=float, default=0.9)
        lr_schedule.add_argument(parser)
    else:
        parser.add_argument("--momentum", type=float, default=None, help="ignored (Adam); accepted for bench-train")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N examples only")
    if extra:
        extra(parser)
    return parser.parse_args()


def datasets(args):
    """The training set (first `--limit` examples) and the test set, as NumPy arrays."""
    train_x, train_y = load(args.data, "train")
    if args.limit:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
    return (train_x, train_y), load(args.data, "t10k")


def train(args, rng, state, step, predict, train_set, test_set, kinks_layer=None):
    """Runs the epochs, shuffling with `rng` as the NumPy reference does, and prints the report.
    The training set lives on the device and each step gathers its batch inside the compiled
    function; a smaller last batch compiles once more in the first epoch (the median over epochs
    is unaffected)."""
    (train_x, train_y), (test_x, test_y) = train_set, test_set
    device_x, device_y = jnp.asarray(train_x), jnp.asarray(train_y.astype(np.int32))
    n, batch = len(train_y), args.batch
    steps_per_epoch, taken, kinks = (n + batch - 1) // batch, 0, 0
    epochs = []
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(n).astype(np.int32)
        losses, kink_counts = [], []
        start = time.perf_counter()
        for first in range(0, n, batch):
            index = order[first : first + batch]
            rate = args.lr
            if hasattr(args, "lr_schedule"):
                rate = lr_schedule.rate(args.lr_schedule, args.lr, taken, steps_per_epoch, args.epochs)
            state, loss, k = step(state, device_x, device_y, index, np.float32(rate))
            taken += 1
            losses.append(loss * len(index))
            if k is not None:
                kink_counts.append(k)
        jax.block_until_ready(state)
        seconds = time.perf_counter() - start
        kinks += sum(int(k) for k in kink_counts)
        predictions = np.concatenate([np.asarray(predict(state, jnp.asarray(test_x[k : k + 1000])))
                                      for k in range(0, len(test_x), 1000)])
        test_accuracy = float(np.mean(predictions == test_y))
        epochs.append({
            "epoch": epoch, "loss": float(sum(float(l) for l in losses)) / n, "test_accuracy": test_accuracy,
            "examples_per_second": n / seconds,
        })
        print(f"epoch {epoch}  loss {epochs[-1]['loss']:.4f}  test accuracy {test_accuracy:.4f}"
              f"  {epochs[-1]['examples_per_second']:.0f} examples/s", file=sys.stderr, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {"epochs": epochs, "kinks": {kinks_layer: kinks} if kinks_layer else {}, "peak_rss_mb": peak}
    print(json.dumps(report, sort_keys=True))
