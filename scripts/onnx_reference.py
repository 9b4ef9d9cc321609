"""The complete method scripts/onnx_residual.py holds `certify audit vnnlib` against, for tiny
networks: the network (the step list of onnx_residual.py) with its convolutions unrolled to dense
matrices, interval bounds over boxes in float64, and input splitting until every box is decided
or smaller than a tolerance. It decides every property whose optimum is not within 1e-9 of 0;
float64 rounding (about 1e-16 relative per operation, networks of a few dozen units) is far below
that tolerance.
"""
import jax
import numpy as np

jax.config.update("jax_enable_x64", True)  # the unrolled convolutions in float64


def dense_steps(steps, p, image):
    """The same network with convolutions and flattens as dense matrices over flattened values."""
    out, shape = [], image
    for name, kind, *args in steps:
        if kind == "normalize":
            # (x - mean) / std per value, as a diagonal dense step (float64: within 1e-16 relative).
            size = int(np.prod(shape))
            mean = np.broadcast_to(np.asarray(p[args[0]], np.float64).reshape(-1), size)
            std = np.broadcast_to(np.asarray(p[args[1]], np.float64).reshape(-1), size)
            out.append((name, "dense", np.diag(1 / std), -mean / std))
        elif kind == "conv":
            k, c, stride, pad = args
            w = np.asarray(p[k], np.float64)
            size = int(np.prod(shape))
            basis = np.eye(size).reshape((size,) + shape)
            columns = np.asarray(jax.lax.conv_general_dilated(basis, w, (stride, stride), ((pad, pad), (pad, pad)),
                                                              dimension_numbers=("NCHW", "OIHW", "NCHW")))
            shape = columns.shape[1:]
            matrix = columns.reshape(size, -1).T
            bias = np.repeat(np.asarray(p[c], np.float64), shape[1] * shape[2])
            out.append((name, "dense", matrix, bias))
        elif kind == "dense":
            out.append((name, "dense", np.asarray(p[args[0]], np.float64), np.asarray(p[args[1]], np.float64)))
            shape = (p[args[0]].shape[0],)
        elif kind == "flatten":
            out.append((name, "alias"))
        else:
            out.append((name, kind, *args))
    return out


def interval(steps, lo, hi, fold):
    """Bounds of fold · logits over each box [lo, hi] (rows of a batch), float64, fold folded into
    the last dense layer."""
    values = {"x": (lo, hi)}
    v = (lo, hi)
    for index, (name, kind, *args) in enumerate(steps):
        if kind == "dense":
            w, b = args
            if index == len(steps) - 1:
                w, b = fold @ w, fold @ b
            centre, radius = (v[0] + v[1]) / 2, (v[1] - v[0]) / 2
            c, r = centre @ w.T + b, radius @ np.abs(w).T
            v = (c - r, c + r)
        elif kind == "relu":
            v = (np.maximum(v[0], 0), np.maximum(v[1], 0))
        elif kind == "add":
            o = values[args[0]]
            v = (v[0] + o[0], v[1] + o[1])
        values[name] = v
    return v


def complete(steps, lo, hi, rows, tiny=1e-7, budget=400000):
    """Whether some point of the box makes some row of `rows · logits` >= 0: "sat" (a point with a
    value above 1e-9), "unsat" (every box bounded below -1e-9), or "boundary" (undecided to the
    tolerance, or the budget of boxes spent)."""
    free = hi > lo
    boxes = [(lo[None, :], hi[None, :])]
    spent = 0
    while boxes:
        blo, bhi = boxes.pop()
        spent += len(blo)
        if spent > budget:
            return "boundary"
        mid = (blo + bhi) / 2
        point = interval(steps, mid, mid, rows)[0]
        if np.any(point.max(axis=1) > 1e-9):
            return "sat"
        upper = interval(steps, blo, bhi, rows)[1].max(axis=1)
        open_ = upper >= -1e-9
        if not np.any(open_):
            continue
        blo, bhi = blo[open_], bhi[open_]
        width = np.where(free, bhi - blo, -1)
        axis = np.argmax(width, axis=1)
        if np.any(width[np.arange(len(axis)), axis] < tiny):
            return "boundary"
        cut = (blo[np.arange(len(axis)), axis] + bhi[np.arange(len(axis)), axis]) / 2
        left_hi, right_lo = bhi.copy(), blo.copy()
        left_hi[np.arange(len(axis)), axis] = cut
        right_lo[np.arange(len(axis)), axis] = cut
        for chunk in range(0, len(blo), 4096):
            boxes.append((np.concatenate([blo[chunk:chunk + 4096], right_lo[chunk:chunk + 4096]]),
                          np.concatenate([left_hi[chunk:chunk + 4096], bhi[chunk:chunk + 4096]])))
    return "unsat"


