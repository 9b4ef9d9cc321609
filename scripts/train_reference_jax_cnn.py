#!/usr/bin/env python3
"""JAX reference for scripts/bench-train --model cnn: the CNN of Models/cnn.spec as a jit step on CPU.

conv 5x5 1->16 pad 2, relu, maxpool 2, conv 5x5 16->32 pad 2, relu, maxpool 2, flatten, dense 128,
relu, dense 10, softmax cross-entropy; NCHW with OIHW weights (Certify's layout), convolutions by
`lax.conv_general_dilated`, max pooling by `lax.reduce_window`. He-normal initialization (fan-in
C K K) before a relu, Glorot-uniform for the last layer, zero biases; SGD v = mu v + g, w -= lr v;
the same shuffling and measurements as scripts/train_reference_jax.py. Prints the JSON line of
`certify train --json`.
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
from jax import lax  # noqa: E402


def initialize(rng):
    def he(shape):
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    limit = np.sqrt(6.0 / (128 + 10))
    return [he((16, 1, 5, 5)), np.zeros(16, np.float32), he((32, 16, 5, 5)), np.zeros(32, np.float32),
            he((128, 32 * 7 * 7)), np.zeros(128, np.float32),
            rng.uniform(-limit, limit, (10, 128)).astype(np.float32), np.zeros(10, np.float32)]


def conv(x, w, b):
    y = lax.conv_general_dilated(x, w, (1, 1), [(2, 2), (2, 2)], dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + b[None, :, None, None]


def pool(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def logits(params, x):
    c1, d1, c2, d2, w3, b3, w4, b4 = params
    h = pool(jnp.maximum(conv(x.reshape(-1, 1, 28, 28), c1, d1), 0))
    h = pool(jnp.maximum(conv(h, c2, d2), 0))
    h = jnp.maximum(h.reshape(h.shape[0], -1) @ w3.T + b3, 0)
    return h @ w4.T + b4


def loss_fn(params, x, y):
    z = logits(params, x)
    logp = z - jax.scipy.special.logsumexp(z, axis=1, keepdims=True)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def make_step(mu):
    @jax.jit
    def step(params, velocities, train_x, train_y, index, lr):
        x, y = train_x[index], train_y[index]
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        velocities = [mu * v + g for v, g in zip(velocities, grads)]
        params = [p - lr * v for p, v in zip(params, velocities)]
        return params, velocities, loss

    return step


@jax.jit
def predict(params, x):
    return jnp.argmax(logits(params, x), axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    lr_schedule.add_argument(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N examples only")
    args = parser.parse_args()

    train_x, train_y = load(args.data, "train")
    if args.limit:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
    test_x, test_y = load(args.data, "t10k")
    rng = np.random.default_rng(args.seed)
    params = [jnp.asarray(p) for p in initialize(rng)]
    velocities = [jnp.zeros_like(p) for p in params]
    device_x, device_y = jnp.asarray(train_x), jnp.asarray(train_y.astype(np.int32))
    del train_x
    step = make_step(np.float32(args.momentum))
    n, batch = len(train_y), args.batch
    steps_per_epoch, taken = (n + batch - 1) // batch, 0
    epochs = []
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(n).astype(np.int32)
        losses = []
        start = time.perf_counter()
        for first in range(0, n, batch):
            index = order[first : first + batch]
            rate = lr_schedule.rate(args.lr_schedule, args.lr, taken, steps_per_epoch, args.epochs)
            params, velocities, loss = step(params, velocities, device_x, device_y, index, np.float32(rate))
            taken += 1
            losses.append(loss * len(index))
        jax.block_until_ready(params)
        seconds = time.perf_counter() - start
        predictions = np.concatenate([np.asarray(predict(params, jnp.asarray(test_x[k : k + 1000])))
                                      for k in range(0, len(test_x), 1000)])
        test_accuracy = float(np.mean(predictions == test_y))
        epochs.append({
            "epoch": epoch, "loss": float(sum(float(l) for l in losses)) / n, "test_accuracy": test_accuracy,
            "examples_per_second": n / seconds,
        })
        print(f"epoch {epoch}  loss {epochs[-1]['loss']:.4f}  test accuracy {test_accuracy:.4f}"
              f"  {epochs[-1]['examples_per_second']:.0f} examples/s", file=sys.stderr, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"epochs": epochs, "kinks": {}, "peak_rss_mb": peak}, sort_keys=True))


if __name__ == "__main__":
    main()
