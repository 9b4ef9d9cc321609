#!/usr/bin/env python3
"""NumPy reference for scripts/bench-train: the trainer's recipe, written out by hand.

MLP 784-256-10, ReLU, softmax cross-entropy (batch mean), He-normal initialization for the layer
followed by ReLU and Glorot-uniform for the last, zero biases; SGD with heavy-ball momentum
(v = mu v + g; w -= lr v); each epoch a fresh seeded shuffle, ceil(N / B) steps (the last batch may
be smaller); test accuracy after each epoch; examples per second over the training steps only.

Prints one JSON line in the format of `certify train --json`:
  {"epochs": [{"epoch", "loss", "test_accuracy", "examples_per_second"}], "peak_rss_mb", "kinks"}
"""
import argparse
import gzip
import json
import os
import resource
import struct
import sys
import time

import numpy as np


def read_idx(path, rank):
    """An IDX array of unsigned bytes (gzip-compressed or not)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, kind, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08 or dims != rank:
        sys.exit(f"{path}: not an IDX file of rank {rank}")
    shape = struct.unpack(">" + "I" * rank, data[4 : 4 + 4 * rank])
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if array.size != int(np.prod(shape)):
        sys.exit(f"{path}: expected {int(np.prod(shape))} bytes of data, found {array.size}")
    return array.reshape(shape)


def load(directory, split):
    def path(name):
        base = os.path.join(directory, f"{split}-{name}")
        return base + ".gz" if os.path.exists(base + ".gz") else base

    images = read_idx(path("images-idx3-ubyte"), 3)
    labels = read_idx(path("labels-idx1-ubyte"), 1)
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
    return x, labels.astype(np.int64)


def initialize(rng, widths=(784, 256, 10)):
    inputs, hidden, classes = widths
    w1 = (rng.standard_normal((hidden, inputs)) * np.sqrt(2.0 / inputs)).astype(np.float32)
    limit = np.sqrt(6.0 / (hidden + classes))
    w2 = rng.uniform(-limit, limit, (classes, hidden)).astype(np.float32)
    return [w1, np.zeros(hidden, np.float32), w2, np.zeros(classes, np.float32)]


def accuracy(params, x, y):
    w1, b1, w2, b2 = params
    z = np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    return float(np.mean(np.argmax(z, axis=1) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N examples only")
    args = parser.parse_args()

    train_x, train_y = load(args.data, "train")
    if args.limit:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
    test_x, test_y = load(args.data, "t10k")
    rng = np.random.default_rng(args.seed)
    params = initialize(rng)
    velocities = [np.zeros_like(p) for p in params]
    lr, mu = np.float32(args.lr), np.float32(args.momentum)
    n, batch = len(train_x), args.batch
    kinks = 0
    epochs = []
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(n)
        loss_sum = 0.0
        start = time.perf_counter()
        for first in range(0, n, batch):
            index = order[first : first + batch]
            x, y = train_x[index], train_y[index]
            rows = len(index)
            w1, b1, w2, b2 = params
            z1 = x @ w1.T + b1
            kinks += int(np.count_nonzero(z1 == 0))
            a1 = np.maximum(z1, 0)
            z2 = a1 @ w2.T + b2
            m = z2.max(axis=1, keepdims=True)
            e = np.exp(z2 - m)
            s = e.sum(axis=1, keepdims=True)
            loss_sum += float(np.sum(np.log(s[:, 0]) + m[:, 0] - z2[np.arange(rows), y]))
            g2 = e / s
            g2[np.arange(rows), y] -= 1
            g2 /= np.float32(rows)
            grads = [None, None, g2.T @ a1, g2.sum(axis=0)]
            g1 = (g2 @ w2) * (z1 > 0)
            grads[0], grads[1] = g1.T @ x, g1.sum(axis=0)
            for p, v, g in zip(params, velocities, grads):
                v *= mu
                v += g
                p -= lr * v
        seconds = time.perf_counter() - start
        epochs.append({
            "epoch": epoch, "loss": loss_sum / n, "test_accuracy": accuracy(params, test_x, test_y),
            "examples_per_second": n / seconds,
        })
        print(f"epoch {epoch}  loss {epochs[-1]['loss']:.4f}  test accuracy {epochs[-1]['test_accuracy']:.4f}"
              f"  {epochs[-1]['examples_per_second']:.0f} examples/s", file=sys.stderr, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"epochs": epochs, "kinks": {"relu1": kinks}, "peak_rss_mb": peak}, sort_keys=True))


if __name__ == "__main__":
    main()
