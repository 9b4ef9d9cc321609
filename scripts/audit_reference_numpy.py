#!/usr/bin/env python3
"""NumPy float64 reference for scripts/bench-audit: IBP and CROWN robustness bounds with the same
definitions as Certify's Audit module, in plain round-to-nearest floating point. It is NOT sound:
no rounding error is bounded. It is here to compare certified accuracy and time.

Definitions (Docs/Audits.md):
  * the input region: the L-infinity ball of radius eps around x = pixel / 255, clipped to [0, 1];
  * margins z_true - z_j, bounded directly through the folded last layer
    (W_L[:, t] - W_L[:, j]) . h + (b_L[t] - b_L[j]); an image is certified when every margin's
    lower bound is > 0;
  * IBP: midpoint-radius boxes layer by layer, ReLU on boxes;
  * CROWN: backward linear bounds; unstable ReLU (l < 0 < u): upper chord u (z - l) / (u - l),
    lower slope 0 if -l > u else 1; stable ReLUs exact; hidden-layer bounds are the intersection of
    IBP and CROWN; the margin bound is the larger of CROWN's and IBP's.

Weights: a .npz of arr_0, arr_1, ... = W1, b1, W2, b2, ..., each W shaped (in, out) for x @ W + b.

Modes (any combination):
  --train-out FILE     train a 784-256-10 MLP on Fashion-MNIST (SGD, momentum 0.9) and save it
  --export-data FILE   write the test set as a .npz (images |u1 (N, 784), labels <i8) for Swift
  --npz FILE           run the reference on these weights: one JSON object per line
  --mpmath-images N    time mpmath.iv IBP (128 bits) on N images
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time
from fractions import Fraction

import numpy as np


# MARK: - Data

def read_idx(path, rank):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, kind, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08 or dims != rank:
        sys.exit(f"{path}: not an IDX file of rank {rank}")
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def load(directory, split):
    def path(name):
        base = os.path.join(directory, f"{split}-{name}")
        return base + ".gz" if os.path.exists(base + ".gz") else base
    images = read_idx(path("images-idx3-ubyte"), 3)
    labels = read_idx(path("labels-idx1-ubyte"), 1)
    return images.reshape(len(images), -1), labels.astype(np.int64)


# MARK: - Training (only to have weights to audit)

def train(directory, epochs, seed):
    x, y = load(directory, "train")
    x = x.astype(np.float32) / np.float32(255)
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((784, 256)) * np.sqrt(2.0 / 784)).astype(np.float32)
    limit = np.sqrt(6.0 / (256 + 10))
    w2 = rng.uniform(-limit, limit, (256, 10)).astype(np.float32)
    b1, b2 = np.zeros(256, np.float32), np.zeros(10, np.float32)
    params = [w1, b1, w2, b2]
    velocity = [np.zeros_like(p) for p in params]
    lr, momentum, batch = np.float32(0.05), np.float32(0.9), 128
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            xb, yb = x[idx], y[idx]
            h_pre = xb @ w1 + b1
            h = np.maximum(h_pre, 0)
            z = h @ w2 + b2
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            g = p / len(yb)
            grads = [None, None, h.T @ g, g.sum(axis=0)]
            gh = (g @ w2.T) * (h_pre > 0)
            grads[0], grads[1] = xb.T @ gh, gh.sum(axis=0)
            for k in range(4):
                velocity[k] = momentum * velocity[k] + grads[k].astype(np.float32)
                params[k] -= lr * velocity[k]
    return [p.astype(np.float32) for p in params]


# MARK: - Bounds (float64, round to nearest: unsound, for comparison only)

def affine_box(w, b, lo, hi):
    c, r = (lo + hi) / 2, (hi - lo) / 2
    zc, zr = c @ w + b, r @ np.abs(w)
    return zc - zr, zc + zr


def folded(ws, bs):
    """All margin rows: column t*(C-1)+r of D is W_L[:, t] - W_L[:, j_r]; d likewise."""
    w, b = ws[-1], bs[-1]
    classes = w.shape[1]
    cols, consts = [], []
    for t in range(classes):
        for j in range(classes):
            if j != t:
                cols.append(w[:, t] - w[:, j])
                consts.append(b[t] - b[j])
    return np.stack(cols, axis=1), np.array(consts)


def select(all_margins, labels, classes):
    rows = classes - 1
    idx = labels[:, None] * rows + np.arange(rows)[None, :]
    return np.take_along_axis(all_margins, idx, axis=1)


def ibp(ws, bs, d_all, c_all, lo, hi, labels):
    for w, b in zip(ws[:-1], bs[:-1]):
        lo, hi = affine_box(w, b, lo, hi)
        lo, hi = np.maximum(lo, 0), np.maximum(hi, 0)
    ml, mu = affine_box(d_all, c_all, lo, hi)
    return select(ml, labels, ws[-1].shape[1]), select(mu, labels, ws[-1].shape[1])


def backward(lam, gamma, top, ws, bs, bounds, lo_x, hi_x):
    """Lower bounds of lam . h_top + gamma over the box. lam (B, R, n_top), gamma (B, R)."""
    for k in range(top, -1, -1):
        l, u = bounds[k]
        l, u = l[:, None, :], u[:, None, :]
        unstable = (l < 0) & (u > 0)
        active = l >= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(unstable, u / (u - l), 0.0)
        t = -s * l
        alpha = (u >= -l).astype(np.float64)
        positive = lam >= 0
        slope = np.where(active, 1.0, np.where(unstable, np.where(positive, alpha, s), 0.0))
        gamma = gamma + np.sum(np.where(unstable & ~positive, lam * t, 0.0), axis=2)
        p = lam * slope
        gamma = gamma + p @ bs[k]
        batch, rows, n = p.shape
        lam = (p.reshape(batch * rows, n) @ ws[k].T).reshape(batch, rows, -1)
    lower = np.where(lam >= 0, lam * lo_x[:, None, :], lam * hi_x[:, None, :]).sum(axis=2)
    return gamma + lower


def crown(ws, bs, d_all, c_all, lo_x, hi_x, labels):
    bounds = []
    for k in range(len(ws) - 1):
        if k == 0:
            l, u = affine_box(ws[0], bs[0], lo_x, hi_x)
        else:
            pl, pu = bounds[k - 1]
            l, u = affine_box(ws[k], bs[k], np.maximum(pl, 0), np.maximum(pu, 0))
            n = ws[k].shape[1]
            rows = np.concatenate([ws[k].T, -ws[k].T], axis=0)
            lam = np.broadcast_to(rows, (len(lo_x),) + rows.shape).copy()
            gamma = np.broadcast_to(np.concatenate([bs[k], -bs[k]]), (len(lo_x), 2 * n)).copy()
            low = backward(lam, gamma, k - 1, ws, bs, bounds, lo_x, hi_x)
            l, u = np.maximum(l, low[:, :n]), np.minimum(u, -low[:, n:])
        bounds.append((l, u))
    classes = ws[-1].shape[1]
    last = bounds[-1] if bounds else (lo_x, hi_x)
    hl, hu = (np.maximum(last[0], 0), np.maximum(last[1], 0)) if bounds else last
    ml, _ = affine_box(d_all, c_all, hl, hu)
    ibp_lower = select(ml, labels, classes)
    if not bounds:
        return ibp_lower
    rows = classes - 1
    d_rows = d_all.T.reshape(classes, rows, -1)  # [t, r, n]
    lam = d_rows[labels].copy()
    gamma = c_all.reshape(classes, rows)[labels].copy()
    crown_lower = backward(lam, gamma, len(ws) - 2, ws, bs, bounds, lo_x, hi_x)
    return np.maximum(crown_lower, ibp_lower)


def boxes(images, eps):
    x = images.astype(np.float64) / 255.0
    return np.clip(x - eps, 0, 1), np.clip(x + eps, 0, 1)


def certify(method, ws, bs, d_all, c_all, images, labels, eps, batch=1000):
    certified = 0
    for start in range(0, len(images), batch):
        lo, hi = boxes(images[start:start + batch], eps)
        lab = labels[start:start + batch]
        if method == "ibp":
            lower, _ = ibp(ws, bs, d_all, c_all, lo, hi, lab)
        else:
            lower = crown(ws, bs, d_all, c_all, lo, hi, lab)
        certified += int(np.sum(np.all(lower > 0, axis=1)))
    return certified


# MARK: - mpmath.iv

def mpmath_ibp_seconds(ws, bs, images, labels, eps_text, count, precision=128):
    from mpmath import iv
    iv.prec = precision
    wiv = [[[iv.mpf(float(v)) for v in row] for row in w.T] for w in ws[:-1]]  # [out][in]
    biv = [[iv.mpf(float(v)) for v in b] for b in bs[:-1]]
    w_last, b_last = ws[-1], bs[-1]
    classes = w_last.shape[1]
    eps = iv.mpf(eps_text)
    zero, one = iv.mpf(0), iv.mpf(1)
    seconds, cpu, certified = 0.0, 0.0, 0
    for index in range(count):
        pixels, t = images[index], int(labels[index])
        # Margin rows for this class as intervals (converted outside the timing, like Swift's).
        drows = [[iv.mpf(float(w_last[i, t])) - iv.mpf(float(w_last[i, j])) for i in range(w_last.shape[0])]
                 for j in range(classes) if j != t]
        dconst = [iv.mpf(float(b_last[t])) - iv.mpf(float(b_last[j])) for j in range(classes) if j != t]
        start, cpu_start = time.perf_counter(), time.process_time()
        h = []
        for p in pixels:
            x = iv.mpf(int(p)) / 255
            lo, hi = x - eps, x + eps
            h.append(iv.mpf([max(zero.a, lo.a), min(one.b, hi.b)]))
        for w, b in zip(wiv, biv):
            z = []
            for row, bj in zip(w, b):
                s = bj
                for wij, hi_ in zip(row, h):
                    s = s + wij * hi_
                z.append(s)
            h = [iv.mpf([max(0, v.a), max(0, v.b)]) for v in z]
        ok = True
        for row, c in zip(drows, dconst):
            s = c
            for wij, hi_ in zip(row, h):
                s = s + wij * hi_
            ok = ok and s.a > 0
        seconds += time.perf_counter() - start
        cpu += time.process_time() - cpu_start
        certified += int(ok)
    return seconds / count, cpu / count, certified


# MARK: - Main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--train-out")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--export-data")
    parser.add_argument("--npz")
    parser.add_argument("--epsilons", default="0.003,0.01,0.02")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--mpmath-images", type=int, default=0)
    parser.add_argument("--methods", default="ibp,crown")
    args = parser.parse_args()

    if args.train_out:
        params = train(args.data, args.epochs, args.seed)
        np.savez(args.train_out, *params)
    images, labels = load(args.data, "t10k")
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    if args.export_data:
        np.savez(args.export_data, images=images, labels=labels)
    if not args.npz:
        return

    archive = np.load(args.npz)
    names = sorted(archive.files, key=lambda n: int(n.split("_")[1]))
    arrays = [archive[n].astype(np.float64) for n in names]
    ws, bs = arrays[0::2], arrays[1::2]
    d_all, c_all = folded(ws, bs)

    x = images.astype(np.float64) / 255.0
    h = x
    for w, b in zip(ws[:-1], bs[:-1]):
        h = np.maximum(h @ w + b, 0)
    logits = h @ ws[-1] + bs[-1]
    print(json.dumps({"kind": "clean", "examples": len(labels), "correct": int(np.sum(np.argmax(logits, axis=1) == labels))}))

    # Warm-up: BLAS threads and caches, as the Swift side does.
    certify("ibp", ws, bs, d_all, c_all, images[:256], labels[:256], 0.01)
    for method in args.methods.split(","):
        for text in args.epsilons.split(","):
            start = time.perf_counter()
            count = certify(method, ws, bs, d_all, c_all, images, labels, float(text))
            seconds = time.perf_counter() - start
            print(json.dumps({"kind": "certify", "tier": "numpy-float64", "method": method, "epsilon": text,
                              "examples": len(labels), "certified": count, "seconds": seconds}), flush=True)
    if args.mpmath_images:
        text = args.epsilons.split(",")[0]
        per_image, cpu_per_image, certified = mpmath_ibp_seconds(ws, bs, images, labels, text, args.mpmath_images)
        print(json.dumps({"kind": "per-image", "tier": "mpmath.iv128", "method": "ibp", "epsilon": text,
                          "images": args.mpmath_images, "threads": 1, "seconds_per_image": per_image,
                          "cpu_seconds_per_image": cpu_per_image, "certified": certified}))


if __name__ == "__main__":
    main()
