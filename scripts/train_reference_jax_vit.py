#!/usr/bin/env python3
"""JAX reference for scripts/bench-train --model vit: the ViT of Models/vit.spec as a jit step on CPU.

7x7 patches of the 28x28 image (16 tokens, row-major) mapped to width 64 (a dense map of each
patch's 49 pixels), a learned position embedding, two pre-norm encoder blocks (layer norm, Q K V
projection to 192, 4-head scaled dot-product attention, output projection, residual; layer norm,
dense 128, GELU (erf form), dense 64, residual), mean over tokens, layer norm, dense 10, softmax
cross-entropy. Certify's initialization: Glorot-uniform weights (patch embedding: fan-in 49,
fan-out 64), zero biases, layer norm scale 1 and shift 0 (eps 1e-5), position embedding normal
with deviation 0.02. A token's query, key and value are columns [0, 64), [64, 128), [128, 192)
of the projection, each read head-major (4 heads of 16). Adam (beta 0.9, 0.999, eps 1e-8, bias
corrected); the same shuffling and measurements as scripts/train_reference_jax.py. Prints the
JSON line of `certify train --json`.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_jax_common as common  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

PATCH, WIDTH, HEADS, HIDDEN, BLOCKS, CLASSES, EPS = 7, 64, 4, 128, 2, 10, 1e-5
TOKENS = (28 // PATCH) ** 2


def glorot(rng, fan_out, fan_in):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_out, fan_in)).astype(np.float32)


def initialize(rng):
    """In the spec's order, as Certify draws them."""
    p = {"patch.W": glorot(rng, WIDTH, PATCH * PATCH), "patch.b": np.zeros(WIDTH, np.float32),
         "pos": (0.02 * rng.standard_normal((TOKENS, WIDTH))).astype(np.float32)}
    dims = [("qkv", 3 * WIDTH, WIDTH), ("out", WIDTH, WIDTH), ("mlp1", HIDDEN, WIDTH), ("mlp2", WIDTH, HIDDEN)]
    for k in range(BLOCKS):
        for ln in ("ln1", "ln2"):
            p[f"{k}.{ln}.g"], p[f"{k}.{ln}.b"] = np.ones(WIDTH, np.float32), np.zeros(WIDTH, np.float32)
        for name, out, inp in dims:
            p[f"{k}.{name}.W"], p[f"{k}.{name}.b"] = glorot(rng, out, inp), np.zeros(out, np.float32)
    p["ln.g"], p["ln.b"] = np.ones(WIDTH, np.float32), np.zeros(WIDTH, np.float32)
    p["head.W"], p["head.b"] = glorot(rng, CLASSES, WIDTH), np.zeros(CLASSES, np.float32)
    return p


def layernorm(x, g, b):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + EPS) * g + b


def dense(p, name, x):
    return x @ p[name + ".W"].T + p[name + ".b"]


def attention(qkv):
    n, t, _ = qkv.shape
    e = WIDTH // HEADS
    q, k, v = (qkv[..., i * WIDTH:(i + 1) * WIDTH].reshape(n, t, HEADS, e) for i in range(3))
    s = jnp.einsum("bthe,bshe->bhts", q, k) / np.float32(np.sqrt(e))
    a = jax.nn.softmax(s, axis=-1)
    return jnp.einsum("bhts,bshe->bthe", a, v).reshape(n, t, WIDTH)


def logits(p, x):
    n = x.shape[0]
    g = 28 // PATCH
    patches = x.reshape(n, g, PATCH, g, PATCH).transpose(0, 1, 3, 2, 4).reshape(n, TOKENS, PATCH * PATCH)
    h = dense(p, "patch", patches) + p["pos"]
    for k in range(BLOCKS):
        h = h + dense(p, f"{k}.out", attention(dense(p, f"{k}.qkv", layernorm(h, p[f"{k}.ln1.g"], p[f"{k}.ln1.b"]))))
        m = jax.nn.gelu(dense(p, f"{k}.mlp1", layernorm(h, p[f"{k}.ln2.g"], p[f"{k}.ln2.b"])), approximate=False)
        h = h + dense(p, f"{k}.mlp2", m)
    pooled = layernorm(jnp.mean(h, axis=1), p["ln.g"], p["ln.b"])
    return dense(p, "head", pooled)


def loss_fn(params, x, y):
    z = logits(params, x)
    logp = z - jax.scipy.special.logsumexp(z, axis=1, keepdims=True)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def make_step(lr, b1=np.float32(0.9), b2=np.float32(0.999), eps=np.float32(1e-8)):
    @jax.jit
    def step(state, train_x, train_y, index, rate):
        params, m, v, t = state  # `rate` is the constant `lr`: the ViT's recipe has no schedule
        x, y = train_x[index], train_y[index]
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        t = t + 1
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        m = {k: b1 * m[k] + (1 - b1) * grads[k] for k in params}
        v = {k: b2 * v[k] + (1 - b2) * grads[k] ** 2 for k in params}
        params = {k: params[k] - lr * (m[k] / c1) / (jnp.sqrt(v[k] / c2) + eps) for k in params}
        return (params, m, v, t), loss, None

    return step


@jax.jit
def predict(state, x):
    return jnp.argmax(logits(state[0], x), axis=1)


def main():
    args = common.arguments(__doc__, lr=0.001, schedule=False)
    train_set, test_set = common.datasets(args)
    rng = np.random.default_rng(args.seed)
    params = {k: jnp.asarray(v) for k, v in initialize(rng).items()}
    state = (params, {k: jnp.zeros_like(v) for k, v in params.items()},
             {k: jnp.zeros_like(w) for k, w in params.items()}, jnp.float32(0))
    common.train(args, rng, state, make_step(np.float32(args.lr)), predict, train_set, test_set)


if __name__ == "__main__":
    main()
