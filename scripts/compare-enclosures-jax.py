#!/usr/bin/env python3
"""Compares the gradient enclosures of `certify audit gradients --enclosures FILE.npz` with JAX.

For a dense/ReLU network with softmax cross-entropy, or with `--spec FILE` a CNN of that spec
(conv2d, depthwise_conv2d, relu, maxpool 2, avgpool, global_avgpool, flatten, dense; no batch
norm), the batch-mean loss's gradient is recomputed in JAX from the parameters, inputs and labels
stored in the file, in float64 and in float32, and compared entry by entry with the enclosures
[lo, hi]:

  * float64: its distance from the enclosure, relative to the gradient's largest entry, must be
    at most --tolerance, 1e-12 by default (float64 rounding: about 1e-16; a wrong formula shows at
    1e-3 and above);
  * float32: its distance from the enclosure must be within the audit's a priori bound (`_bound`);
    a file without `_bound` arrays (a model the audit has no a priori bound for) gets the distance
    printed and no verdict on it.

Prints one line per tensor and exits 1 if a check fails. Docs/Audits.md, "Enclosures file".
"""
import argparse
import sys

import numpy as np

try:
    import jax
    import jax.numpy as jnp
except ImportError:
    sys.exit("compare-enclosures-jax: needs JAX (pip install jax)")

jax.config.update("jax_enable_x64", True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("npz")
    parser.add_argument("--tolerance", type=float, default=1e-12)
    parser.add_argument("--spec", help="the model spec of a CNN (certify train --model)")
    args = parser.parse_args()

    f = np.load(args.npz)
    names = [k[: -len("_lo")] for k in f.files if k.endswith("_lo")]  # the model's order
    params = [f[n + "_value"] for n in names]
    x, labels = f["inputs"], f["labels"]

    layers = read_spec(args.spec) if args.spec else None

    def loss(params, dtype):
        h = x.astype(dtype)
        if layers is not None:
            h = cnn(layers, [p.astype(dtype) for p in params], h)
        else:
            for k in range(0, len(params), 2):  # W [out, in], b [out]
                h = h @ params[k].astype(dtype).T + params[k + 1].astype(dtype)
                if k + 2 < len(params):
                    h = jnp.maximum(h, 0)
        logp = jax.nn.log_softmax(h, axis=1)
        return -jnp.mean(logp[jnp.arange(len(labels)), labels])

    ok = True
    for dtype in (jnp.float64, jnp.float32):
        # The parameters in the pass's type: a gradient comes back in its argument's type.
        grads = jax.grad(loss)([jnp.asarray(p, dtype=dtype) for p in params], dtype)
        for name, g in zip(names, grads):
            g = np.asarray(g, dtype=np.float64)
            lo, hi = f[name + "_lo"], f[name + "_hi"]
            bound = f[name + "_bound"] if name + "_bound" in f.files else None
            outside = np.maximum(np.maximum(lo - g, g - hi), 0)
            scale = max(np.abs(lo).max(), np.abs(hi).max(), np.finfo(np.float64).tiny)
            if dtype == jnp.float64:
                passed = outside.max() <= args.tolerance * scale
                print(f"{name} float64: largest distance from the enclosure {outside.max():.3e} "
                      f"({outside.max() / scale:.3e} of the largest entry): {'ok' if passed else 'FAIL'}")
            elif bound is None:
                print(f"{name} float32: largest distance from the enclosure {outside.max():.3e}, no a priori bound")
                continue
            else:
                passed = bool(np.all(outside <= bound))
                print(f"{name} float32: largest distance from the enclosure {outside.max():.3e}, "
                      f"a priori bound {bound.max():.3e}: {'within' if passed else 'OUTSIDE'}")
            ok = ok and passed
    sys.exit(0 if ok else 1)


def read_spec(path):
    """The spec's layers as (keyword, tokens), the input shape first."""
    layers = []
    for line in open(path):
        tokens = line.split("#")[0].split()
        if not tokens or tokens[0] == "loss":
            continue
        if tokens[0] == "input":
            layers.append(("input", [int(v) for v in tokens[1].split("x")]))
        else:
            layers.append((tokens[0], tokens[1:]))
    return layers


def option(tokens, name, default):
    return int(tokens[tokens.index(name) + 1]) if name in tokens else default


def cnn(layers, params, x):
    """The network of `layers` on `x` ([B, C H W]), NCHW as the trainer stores it: a conv2d
    weight is OIHW, a depthwise one [C, K, K], dense_chw's W [O, C, H, W]."""
    h = x.reshape((x.shape[0], *layers[0][1]))
    p = iter(params)
    for kind, tokens in layers[1:]:
        if kind in ("conv2d", "depthwise_conv2d"):
            w, b = next(p), next(p)
            stride, pad = option(tokens, "stride", 1), option(tokens, "pad", 0)
            groups = 1
            if kind == "depthwise_conv2d":
                groups = w.shape[0]
                w = w[:, None]
            h = jax.lax.conv_general_dilated(h, w, (stride, stride), [(pad, pad), (pad, pad)],
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=groups)
            h = h + b[None, :, None, None]
        elif kind == "relu":
            h = jnp.maximum(h, 0)
        elif kind in ("maxpool", "avgpool"):
            k = int(tokens[0])
            stride = option(tokens, "stride", k)
            if kind == "maxpool":
                h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, k, k), (1, 1, stride, stride), "VALID")
            else:
                h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 1, k, k), (1, 1, stride, stride), "VALID") / (k * k)
        elif kind == "global_avgpool":
            h = h.mean(axis=(2, 3))
        elif kind == "flatten":
            h = h.reshape((h.shape[0], -1))
        elif kind == "dense":
            w, b = next(p), next(p)
            h = h.reshape((h.shape[0], -1)) @ w.reshape((w.shape[0], -1)).T + b
        else:
            sys.exit(f"compare-enclosures-jax: layer {kind} is not supported")
    return h


if __name__ == "__main__":
    main()
