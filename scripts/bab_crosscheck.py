#!/usr/bin/env python3
"""Complete-verification cross-check of `certify audit robustness --method bab` (issue 27, item 5).

Trains small dense/ReLU networks on Fashion-MNIST in NumPy (784-16-10 and 784-32-16-10 by
default), runs Certify's branch and bound on the first test images, and decides every image
independently with a mixed-integer program (scipy.optimize.milp, HiGHS): the exact minimum over
the clipped L-infinity ball of each margin z_label - z_j, ReLUs encoded with one binary each
(big-M from interval bounds). No image may be certified that the MILP shows below 0, nor
falsified that the MILP shows above 0. The MILP runs in floating point, so values within
--tolerance of 0 are reported as ties and not counted either way.

  scripts/bab_crosscheck.py --certify .build/debug/certify --images 30 --eps 0.01,0.03
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_reference_numpy import load  # noqa: E402  (the IDX reader)


def train(directory, widths, epochs, seed):
    """SGD with momentum on softmax cross-entropy; weights (in, out) as `x @ W + b`."""
    x, y = load(directory, "train")
    x = x.astype(np.float32) / np.float32(255)
    rng = np.random.default_rng(seed)
    ws = [(rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32) for a, b in zip(widths, widths[1:])]
    bs = [np.zeros(b, np.float32) for b in widths[1:]]
    params = [p for pair in zip(ws, bs) for p in pair]
    velocity = [np.zeros_like(p) for p in params]
    lr, momentum, batch = np.float32(0.05), np.float32(0.9), 128
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            hs, pres = [x[idx]], []
            for k in range(len(ws)):
                z = hs[-1] @ params[2 * k] + params[2 * k + 1]
                pres.append(z)
                hs.append(np.maximum(z, 0) if k < len(ws) - 1 else z)
            z = hs[-1] - hs[-1].max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1
            g = p / len(idx)
            grads = [None] * len(params)
            for k in reversed(range(len(ws))):
                grads[2 * k], grads[2 * k + 1] = hs[k].T @ g, g.sum(axis=0)
                if k > 0:
                    g = (g @ params[2 * k].T) * (pres[k - 1] > 0)
            for k in range(len(params)):
                velocity[k] = momentum * velocity[k] + grads[k].astype(np.float32)
                params[k] -= lr * velocity[k]
    return [p.astype(np.float32) for p in params]


def interval_bounds(ws, bs, lo, hi):
    """Pre-activation bounds of every hidden layer (float64, widened slightly for big-M)."""
    bounds = []
    for w, b in zip(ws[:-1], bs[:-1]):
        w, b = w.astype(np.float64), b.astype(np.float64)
        c, r = (lo + hi) / 2, (hi - lo) / 2
        mid, rad = c @ w + b, r @ np.abs(w)
        zl, zu = mid - rad - 1e-6, mid + rad + 1e-6
        bounds.append((zl, zu))
        lo, hi = np.maximum(zl, 0), np.maximum(zu, 0)
    return bounds


def milp_minimum(ws, bs, lo, hi, label, other):
    """The minimum over the box of z_label - z_other, by MILP. Returns (value, status)."""
    layers = interval_bounds(ws, bs, lo, hi)
    n0 = len(lo)
    # Variables: x, then per hidden layer z_k, h_k, a_k.
    offsets, size = [], n0
    for zl, _ in layers:
        n = len(zl)
        offsets.append((size, size + n, size + 2 * n))
        size += 3 * n
    lower, upper, integrality = np.zeros(size), np.zeros(size), np.zeros(size)
    lower[:n0], upper[:n0] = lo, hi
    rows, row_lo, row_hi = [], [], []
    a_matrix = lil_matrix((sum(len(zl) for zl, _ in layers) * 5, size))
    r = 0
    previous = list(range(n0))
    for k, ((zl, zu), (oz, oh, oa)) in enumerate(zip(layers, offsets)):
        w, b = ws[k].astype(np.float64), bs[k].astype(np.float64)
        n = len(zl)
        for j in range(n):
            # z_j = W h + b
            for i, v in enumerate(previous):
                if w[i, j] != 0:
                    a_matrix[r, v] = w[i, j]
            a_matrix[r, oz + j] = -1
            row_lo.append(-b[j]); row_hi.append(-b[j]); r += 1
            lower[oz + j], upper[oz + j] = zl[j], zu[j]
            lower[oh + j], upper[oh + j] = 0, max(zu[j], 0)
            if zu[j] <= 0:  # inactive: h = 0
                upper[oh + j] = 0
            elif zl[j] >= 0:  # active: h = z
                a_matrix[r, oh + j] = 1; a_matrix[r, oz + j] = -1
                row_lo.append(0); row_hi.append(0); r += 1
            else:  # h >= z, h <= u a, h <= z - l (1 - a)
                integrality[oa + j], upper[oa + j] = 1, 1
                a_matrix[r, oh + j] = 1; a_matrix[r, oz + j] = -1
                row_lo.append(0); row_hi.append(np.inf); r += 1
                a_matrix[r, oh + j] = 1; a_matrix[r, oa + j] = -zu[j]
                row_lo.append(-np.inf); row_hi.append(0); r += 1
                a_matrix[r, oh + j] = 1; a_matrix[r, oz + j] = -1; a_matrix[r, oa + j] = -zl[j]
                row_lo.append(-np.inf); row_hi.append(-zl[j]); r += 1
        previous = list(range(oh, oh + n))
    w, b = ws[-1].astype(np.float64), bs[-1].astype(np.float64)
    cost = np.zeros(size)
    cost[previous] = w[:, label] - w[:, other]
    constant = b[label] - b[other]
    constraints = LinearConstraint(a_matrix[:r].tocsr(), row_lo, row_hi)
    result = milp(cost, constraints=constraints, integrality=integrality, bounds=Bounds(lower, upper))
    if result.status != 0:
        return None, result.message
    return result.fun + constant, "optimal"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--certify", default=".build/debug/certify")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--widths", default="784-16-10,784-32-16-10")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--eps", default="0.01,0.03")
    parser.add_argument("--timeout", default="5")
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()

    images, labels = load(args.data, "t10k")
    disagreements, ties = 0, 0
    with tempfile.TemporaryDirectory() as work:
        for spec in args.widths.split(","):
            widths = [int(w) for w in spec.split("-")]
            params = train(args.data, widths, args.epochs, seed=1)
            npz = os.path.join(work, f"{spec}.npz")
            np.savez(npz, *params)
            per_image = os.path.join(work, f"{spec}.jsonl")
            subprocess.run(
                [args.certify, "audit", "robustness", "--model", npz, "--data", args.data, "--limit", str(args.images),
                 "--eps", args.eps, "--method", "bab", "--timeout", args.timeout, "--per-image", per_image],
                check=True, stdout=subprocess.DEVNULL)
            ws, bs = params[0::2], params[1::2]
            counts = {}
            for line in open(per_image):
                row = json.loads(line)
                i, eps, label = row["image"], row["eps"], row["label"]
                verdict = row["bab"]["verdict"] if "verdict" in row["bab"] else ("certified" if row["bab"]["certified"] else "unknown")
                x = images[i].astype(np.float64) / 255
                lo, hi = np.maximum(x - eps, 0), np.minimum(x + eps, 1)
                values = [milp_minimum(ws, bs, lo, hi, label, j)[0] for j in range(widths[-1]) if j != label]
                if any(v is None for v in values):
                    print(f"{spec} image {i} eps {eps}: MILP failed", file=sys.stderr)
                    continue
                minimum = min(values)
                truth = "tie" if abs(minimum) <= args.tolerance else ("robust" if minimum > 0 else "not robust")
                counts[(verdict, truth)] = counts.get((verdict, truth), 0) + 1
                wrong = (verdict == "certified" and truth == "not robust") or (verdict == "falsified" and truth == "robust")
                if wrong:
                    disagreements += 1
                    print(f"DISAGREEMENT {spec} image {i} eps {eps}: bab {verdict}, MILP minimum {minimum:.3g}")
                ties += truth == "tie"
            print(f"{spec}: " + ", ".join(f"bab {v} / MILP {t}: {n}" for (v, t), n in sorted(counts.items())))
    print(f"disagreements: {disagreements}, ties within {args.tolerance}: {ties}")
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()
