#!/usr/bin/env python3
"""JAX reference for scripts/bench-train: the trainer's recipe as a jit-compiled JAX step on CPU.

Same model, initialization scheme, loss, optimizer (v = mu v + g; w -= lr v), shuffling scheme and
measurements as scripts/train_reference_numpy.py. The training set lives on the device and each
step gathers its batch inside the compiled function; a smaller last batch compiles once more in the
first epoch (the median over epochs is unaffected). Prints the JSON line of `certify train --json`.
"""
import argparse
import os
import resource
import sys
import time
import json

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_reference_numpy import initialize, load  # noqa: E402
import lr_schedule  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402


def loss_fn(params, x, y):
    w1, b1, w2, b2 = params
    z1 = x @ w1.T + b1
    z2 = jnp.maximum(z1, 0) @ w2.T + b2
    logp = z2 - jax.scipy.special.logsumexp(z2, axis=1, keepdims=True)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1)), jnp.sum(z1 == 0)


def make_step(mu):
    @jax.jit
    def step(params, velocities, train_x, train_y, index, lr):
        x, y = train_x[index], train_y[index]
        (loss, kinks), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x, y)
        velocities = [mu * v + g for v, g in zip(velocities, grads)]
        params = [p - lr * v for p, v in zip(params, velocities)]
        return params, velocities, loss, kinks

    return step


@jax.jit
def predict(params, x):
    w1, b1, w2, b2 = params
    return jnp.argmax(jnp.maximum(x @ w1.T + b1, 0) @ w2.T + b2, axis=1)


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
    device_test_x = jnp.asarray(test_x)
    del train_x
    step = make_step(np.float32(args.momentum))
    n, batch = len(train_y), args.batch
    steps_per_epoch, taken = (n + batch - 1) // batch, 0
    kinks = 0
    epochs = []
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(n).astype(np.int32)
        losses, kink_counts = [], []
        start = time.perf_counter()
        for first in range(0, n, batch):
            index = order[first : first + batch]
            rate = lr_schedule.rate(args.lr_schedule, args.lr, taken, steps_per_epoch, args.epochs)
            params, velocities, loss, k = step(params, velocities, device_x, device_y, index, np.float32(rate))
            taken += 1
            losses.append(loss * len(index))
            kink_counts.append(k)
        jax.block_until_ready(params)
        seconds = time.perf_counter() - start
        kinks += int(sum(int(k) for k in kink_counts))
        test_accuracy = float(np.mean(np.asarray(predict(params, device_test_x)) == test_y))
        epochs.append({
            "epoch": epoch, "loss": float(sum(float(l) for l in losses)) / n, "test_accuracy": test_accuracy,
            "examples_per_second": n / seconds,
        })
        print(f"epoch {epoch}  loss {epochs[-1]['loss']:.4f}  test accuracy {test_accuracy:.4f}"
              f"  {epochs[-1]['examples_per_second']:.0f} examples/s", file=sys.stderr, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"epochs": epochs, "kinks": {"relu1": kinks}, "peak_rss_mb": peak}, sort_keys=True))


if __name__ == "__main__":
    main()
