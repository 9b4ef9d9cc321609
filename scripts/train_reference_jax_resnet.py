#!/usr/bin/env python3
"""JAX reference for scripts/bench-train --model resnet: the residual CNN of Models/resnet.spec as a jit step on CPU.

stem conv 3x3 1->16 + batch norm + relu; an identity block at 16x28x28 (conv, bn, relu, conv, bn,
add, relu); a strided block to 32x14x14 whose shortcut is a strided 1x1 conv + bn; an identity
block at 32x14x14; global average pooling; dense 10; softmax cross-entropy. NCHW with OIHW weights
(Certify's layout). Batch norm as Certify's: batch statistics (biased variance) in training, the
running mean and unbiased variance (momentum 0.1, eps 1e-5) at evaluation. He-normal convolutions
(fan-in C K K), a Glorot-uniform dense head, zero biases, batch-norm scale 1 and shift 0; SGD
v = mu v + g, w -= lr v on the trained parameters; the same shuffling and measurements as
scripts/train_reference_jax.py. Prints the JSON line of `certify train --json`.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_jax_common as common  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

EPS, MOMENTUM = 1e-5, 0.1
# (name, in channels, out channels, kernel, stride, padding), in the spec's order.
CONVS = [("stem", 1, 16, 3, 1, 1), ("b1c1", 16, 16, 3, 1, 1), ("b1c2", 16, 16, 3, 1, 1),
         ("b2c1", 16, 32, 3, 2, 1), ("b2c2", 32, 32, 3, 1, 1), ("b2s", 16, 32, 1, 2, 0),
         ("b3c1", 32, 32, 3, 1, 1), ("b3c2", 32, 32, 3, 1, 1)]


def initialize(rng):
    params, stats = {}, {}
    for name, c, d, k, _, _ in CONVS:
        params[name + ".w"] = (rng.standard_normal((d, c, k, k)) * np.sqrt(2.0 / (c * k * k))).astype(np.float32)
        params[name + ".b"] = np.zeros(d, np.float32)
        params[name + ".g"] = np.ones(d, np.float32)
        params[name + ".beta"] = np.zeros(d, np.float32)
        stats[name + ".m"] = np.zeros(d, np.float32)
        stats[name + ".v"] = np.ones(d, np.float32)
    limit = np.sqrt(6.0 / (32 + 10))
    params["dense.W"] = rng.uniform(-limit, limit, (10, 32)).astype(np.float32)
    params["dense.b"] = np.zeros(10, np.float32)
    return params, stats


def conv_bn(params, stats, new_stats, name, x, training):
    _, _, _, k, s, p = next(c for c in CONVS if c[0] == name)
    y = lax.conv_general_dilated(x, params[name + ".w"], (s, s), [(p, p), (p, p)], dimension_numbers=("NCHW", "OIHW", "NCHW"))
    y = y + params[name + ".b"][None, :, None, None]
    if training:
        mean = jnp.mean(y, axis=(0, 2, 3))
        var = jnp.mean((y - mean[None, :, None, None]) ** 2, axis=(0, 2, 3))
        count = y.shape[0] * y.shape[2] * y.shape[3]
        new_stats[name + ".m"] = (1 - MOMENTUM) * stats[name + ".m"] + MOMENTUM * lax.stop_gradient(mean)
        new_stats[name + ".v"] = (1 - MOMENTUM) * stats[name + ".v"] + MOMENTUM * lax.stop_gradient(var) * count / (count - 1)
    else:
        mean, var = stats[name + ".m"], stats[name + ".v"]
    y = (y - mean[None, :, None, None]) * lax.rsqrt(var + EPS)[None, :, None, None]
    return params[name + ".g"][None, :, None, None] * y + params[name + ".beta"][None, :, None, None]


def logits(params, stats, x, training):
    new_stats = {}
    f = lambda name, h: conv_bn(params, stats, new_stats, name, h, training)  # noqa: E731
    relu = lambda h: jnp.maximum(h, 0)  # noqa: E731
    stem = relu(f("stem", x.reshape(-1, 1, 28, 28)))
    block1 = relu(f("b1c2", relu(f("b1c1", stem))) + stem)
    residual = f("b2c2", relu(f("b2c1", block1)))
    block2 = relu(f("b2s", block1) + residual)
    h = relu(f("b3c2", relu(f("b3c1", block2))) + block2)
    pooled = jnp.mean(h, axis=(2, 3))
    return pooled @ params["dense.W"].T + params["dense.b"], new_stats


def loss_fn(params, stats, x, y):
    z, new_stats = logits(params, stats, x, True)
    logp = z - jax.scipy.special.logsumexp(z, axis=1, keepdims=True)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1)), new_stats


def make_step(mu):
    @jax.jit
    def step(state, train_x, train_y, index, lr):
        params, stats, velocities = state
        x, y = train_x[index], train_y[index]
        (loss, new_stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, stats, x, y)
        velocities = {k: mu * velocities[k] + grads[k] for k in params}
        params = {k: params[k] - lr * velocities[k] for k in params}
        return (params, new_stats, velocities), loss, None

    return step


@jax.jit
def predict(state, x):
    params, stats, _ = state
    return jnp.argmax(logits(params, stats, x, False)[0], axis=1)


def main():
    args = common.arguments(__doc__, lr=0.05)
    train_set, test_set = common.datasets(args)
    rng = np.random.default_rng(args.seed)
    params, stats = initialize(rng)
    params = {k: jnp.asarray(v) for k, v in params.items()}
    stats = {k: jnp.asarray(v) for k, v in stats.items()}
    state = (params, stats, {k: jnp.zeros_like(v) for k, v in params.items()})
    common.train(args, rng, state, make_step(np.float32(args.momentum)), predict, train_set, test_set)


if __name__ == "__main__":
    main()
