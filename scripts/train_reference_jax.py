#!/usr/bin/env python3
"""JAX reference for scripts/bench-train: the trainer's recipe as a jit-compiled JAX step on CPU.

Same model, initialization scheme, loss, optimizer (v = mu v + g; w -= lr v), shuffling scheme and
measurements as scripts/train_reference_numpy.py. The training set lives on the device and each
step gathers its batch inside the compiled function; a smaller last batch compiles once more in the
first epoch (the median over epochs is unaffected). Prints the JSON line of `certify train --json`.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_reference_numpy import initialize  # noqa: E402
import reference_jax_common as common  # noqa: E402

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
    def step(state, train_x, train_y, index, lr):
        params, velocities = state
        x, y = train_x[index], train_y[index]
        (loss, kinks), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x, y)
        velocities = [mu * v + g for v, g in zip(velocities, grads)]
        params = [p - lr * v for p, v in zip(params, velocities)]
        return (params, velocities), loss, kinks

    return step


@jax.jit
def predict(state, x):
    w1, b1, w2, b2 = state[0]
    return jnp.argmax(jnp.maximum(x @ w1.T + b1, 0) @ w2.T + b2, axis=1)


def main():
    args = common.arguments(__doc__, lr=0.05)
    train_set, test_set = common.datasets(args)
    rng = np.random.default_rng(args.seed)
    params = [jnp.asarray(p) for p in initialize(rng)]
    state = (params, [jnp.zeros_like(p) for p in params])
    common.train(args, rng, state, make_step(np.float32(args.momentum)), predict, train_set, test_set,
                 kinks_layer="relu1")


if __name__ == "__main__":
    main()
