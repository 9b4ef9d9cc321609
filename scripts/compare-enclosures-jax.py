#!/usr/bin/env python3
"""Compares the gradient enclosures of `certify audit gradients --enclosures FILE.npz` with JAX.

For a dense/ReLU network with softmax cross-entropy (the models the gradient audit accepts), the
batch-mean loss's gradient is recomputed in JAX from the parameters, inputs and labels stored in
the file, in float64 and in float32, and compared entry by entry with the enclosures [lo, hi]:

  * float64: its distance from the enclosure, relative to the gradient's largest entry, must be
    at most --tolerance, 1e-12 by default (float64 rounding: about 1e-16; a wrong formula shows at
    1e-3 and above);
  * float32: its distance from the enclosure must be within the audit's a priori bound (`_bound`).

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
    args = parser.parse_args()

    f = np.load(args.npz)
    names = [k[: -len("_lo")] for k in f.files if k.endswith("_lo")]  # the model's order
    params = [f[n + "_value"] for n in names]
    x, labels = f["inputs"], f["labels"]

    def loss(params, dtype):
        h = x.astype(dtype)
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
            lo, hi, bound = f[name + "_lo"], f[name + "_hi"], f[name + "_bound"]
            outside = np.maximum(np.maximum(lo - g, g - hi), 0)
            scale = max(np.abs(lo).max(), np.abs(hi).max(), np.finfo(np.float64).tiny)
            if dtype == jnp.float64:
                passed = outside.max() <= args.tolerance * scale
                print(f"{name} float64: largest distance from the enclosure {outside.max():.3e} "
                      f"({outside.max() / scale:.3e} of the largest entry): {'ok' if passed else 'FAIL'}")
            else:
                passed = bool(np.all(outside <= bound))
                print(f"{name} float32: largest distance from the enclosure {outside.max():.3e}, "
                      f"a priori bound {bound.max():.3e}: {'within' if passed else 'OUTSIDE'}")
            ok = ok and passed
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
