#!/usr/bin/env python3
"""JAX reference for scripts/bench-train --model cnn: the CNN of Models/cnn.spec as a jit step on CPU.

conv 5x5 1->16 pad 2, relu, maxpool 2, conv 5x5 16->32 pad 2, relu, maxpool 2, flatten, dense 128,
relu, dense 10, softmax cross-entropy; NCHW with OIHW weights (Certify's layout), convolutions by
`lax.conv_general_dilated`, max pooling by `lax.reduce_window`. He-normal initialization (fan-in
C K K) before a relu, Glorot-uniform for the last layer, zero biases; SGD v = mu v + g, w -= lr v;
the same shuffling and measurements as scripts/train_reference_jax.py. Prints the JSON line of
`certify train --json`.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_jax_common as common  # noqa: E402

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
    def step(state, train_x, train_y, index, lr):
        params, velocities = state
        x, y = train_x[index], train_y[index]
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        velocities = [mu * v + g for v, g in zip(velocities, grads)]
        params = [p - lr * v for p, v in zip(params, velocities)]
        return (params, velocities), loss, None

    return step


@jax.jit
def predict(state, x):
    return jnp.argmax(logits(state[0], x), axis=1)


def main():
    args = common.arguments(__doc__, lr=0.05)
    train_set, test_set = common.datasets(args)
    rng = np.random.default_rng(args.seed)
    params = [jnp.asarray(p) for p in initialize(rng)]
    state = (params, [jnp.zeros_like(p) for p in params])
    common.train(args, rng, state, make_step(np.float32(args.momentum)), predict, train_set, test_set)


if __name__ == "__main__":
    main()
