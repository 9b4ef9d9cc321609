#!/usr/bin/env python3
"""Residual networks in and out of ONNX, checked against ONNX Runtime and a complete method.

Networks nobody here wrote by hand, trained in JAX (float32) and written as ONNX with `onnx.helper`
the way exporters write residual blocks (`Add` of two computed values, a value read by two nodes):

  1. tiny residual networks (an MLP on 2 inputs, a CNN on 7x7 images) and VNN-LIB properties for
     them: `certify audit vnnlib` (MPFI and Float64 tiers) must never answer `unsat` where a
     complete method (input splitting with interval bounds in float64 down to boxes of 1e-7)
     finds a violating point, nor `sat` where it proves the property; each `sat` input is checked
     in float64; both answers must occur;
  2. a residual MLP and a residual CNN on Fashion-MNIST: `certify evaluate` and ONNX Runtime agree
     on the test accuracy (up to near ties), and at random points of eps-balls ONNX Runtime's
     margins lie above `certify audit robustness`'s certified lower bounds (as
     scripts/onnx_interop.py checks chains); VNN-LIB robustness properties of the MLP, each
     `unsat` checked at random points;
  3. a small ResNet (Models/resnet.spec's shape) trained by `certify train` for a few steps and
     exported: `onnx.checker` accepts it, ONNX Runtime agrees with `certify evaluate`, and the
     export read back by `certify evaluate` gives the checkpoint's numbers exactly.

Exits 1 when a check fails. Needs numpy, jax, onnx, onnxruntime (pip).
  scripts/onnx_residual.py --certify .build/debug/certify --work DIR [--data DIR]
"""
import argparse
import json
import os
import sys
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_interop as base  # noqa: E402  (its checks, loaders and ONNX helpers)
from onnx_interop import check, helper, jax, jnp, onnx, numpy_helper, TensorProto  # noqa: E402
from onnx_reference import complete, dense_steps, interval  # noqa: E402

# The networks, one description for JAX, ONNX and the reference: a list of steps over named
# values; `x` is the input, the last step's output the logits. Kinds: ("dense", W [out, in], b),
# ("conv", K [O, I, k, k], c, stride, pad), ("relu",), ("add", other), ("flatten",), ("maxpool2",),
# ("normalize", mean, std): (x - mean) / std, first, written as ONNX Sub and Div of constants
# (its constants are not trained: `fixed` below keeps them out of the trained parameters).


def forward(steps, p, x, image=None):
    """The network in JAX (float32 for training, float64 for references)."""
    values = {"x": x if image is None else x.reshape((-1,) + image)}
    v = values["x"]
    for name, kind, *args in steps:
        if kind == "normalize":
            v = (v - p[args[0]]) / p[args[1]]
        elif kind == "dense":
            v = v @ p[args[0]].T + p[args[1]]
        elif kind == "conv":
            k, c, stride, pad = args
            v = jax.lax.conv_general_dilated(v, p[k], (stride, stride), ((pad, pad), (pad, pad)),
                                             dimension_numbers=("NCHW", "OIHW", "NCHW")) + p[c][None, :, None, None]
        elif kind == "relu":
            v = jax.nn.relu(v)
        elif kind == "add":
            v = v + values[args[0]]
        elif kind == "flatten":
            v = v.reshape(v.shape[0], -1)
        elif kind == "maxpool2":
            v = jax.lax.reduce_window(v, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        values[name] = v
    return v


def to_onnx(steps, p, path, input_shape, classes, softmax=False):
    """Writes the network as exporters do: PyTorch's Gemm for the first dense layer, JAX's MatMul +
    Add for the others, residual sums as Add of two values."""
    nodes, inits, previous, dense_seen = [], dict(p), "x", False
    for name, kind, *args in steps:
        if kind == "normalize":
            nodes += [helper.make_node("Sub", [previous, args[0]], [name + "_centred"], name=name + "_sub"),
                      helper.make_node("Div", [name + "_centred", args[1]], [name], name=name + "_div")]
        elif kind == "dense" and dense_seen:
            inits[args[0] + "_t"] = np.ascontiguousarray(inits.pop(args[0]).T)
            nodes += [helper.make_node("MatMul", [previous, args[0] + "_t"], [name + "_mm"], name=name + "_matmul"),
                      helper.make_node("Add", [name + "_mm", args[1]], [name], name=name + "_bias")]
        elif kind == "dense":
            nodes.append(helper.make_node("Gemm", [previous, args[0], args[1]], [name], name=name, transB=1))
            dense_seen = True
        elif kind == "conv":
            k, c, stride, pad = args
            nodes.append(helper.make_node("Conv", [previous, k, c], [name], name=name, kernel_shape=list(p[k].shape[2:]),
                                          strides=[stride, stride], pads=[pad] * 4))
        elif kind == "relu":
            nodes.append(helper.make_node("Relu", [previous], [name], name=name))
        elif kind == "add":
            nodes.append(helper.make_node("Add", [previous, args[0]], [name], name=name))
        elif kind == "flatten":
            nodes.append(helper.make_node("Flatten", [previous], [name], name=name, axis=1))
        elif kind == "maxpool2":
            nodes.append(helper.make_node("MaxPool", [previous], [name], name=name, kernel_shape=[2, 2], strides=[2, 2]))
        previous = name
    output = previous
    if softmax:
        nodes.append(helper.make_node("Softmax", [previous], ["probabilities"], name="softmax", axis=1))
        output = "probabilities"
    graph = helper.make_graph(nodes, os.path.basename(path),
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"] + list(input_shape))],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", classes])],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx_residual.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def write_property(lo, hi, label, classes, path):
    lines = [f"(declare-const X_{i} Real)" for i in range(len(lo))] + [f"(declare-const Y_{j} Real)" for j in range(classes)]
    for i in range(len(lo)):
        lines += [f"(assert (>= X_{i} {float(lo[i])!r}))", f"(assert (<= X_{i} {float(hi[i])!r}))"]
    lines.append("(assert (or " + " ".join(f"(and (>= Y_{j} Y_{label}))" for j in range(classes) if j != label) + "))")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def decide(args, what, steps, p, model_path, boxes, image, classes):
    """Each box's robustness property decided by certify (two tiers) and by the complete method."""
    reference = dense_steps(steps, p, image)
    # The reference (convolutions unrolled) computes what ONNX Runtime computes.
    points = np.concatenate([np.random.default_rng(1).uniform(lo, hi, (20, len(lo))) for lo, hi in boxes])
    ort_z = base.run_ort(model_path, points.astype(np.float32)).astype(np.float64)
    ref_z = interval(reference, points, points, np.eye(classes))[0]
    check(np.max(np.abs(ort_z - ref_z)) <= 1e-4 * max(1, np.max(np.abs(ref_z))),
          f"{what}: ONNX Runtime and the float64 reference agree at {len(points)} points ({np.max(np.abs(ort_z - ref_z)):.2g})")
    counts = {}
    for number, (lo, hi) in enumerate(boxes):
        centre = (lo + hi) / 2
        label = int(np.argmax(interval(reference, centre[None, :], centre[None, :], np.eye(classes))[0]))
        rows = np.delete(np.eye(classes), label, axis=0) - np.eye(classes)[label]
        truth = complete(reference, lo, hi, rows)
        path = os.path.join(args.work, f"{what.replace(' ', '-')}-{number}.vnnlib")
        write_property(lo, hi, label, classes, path)
        for tier in ("mpfi", "fast"):
            verdict = json.loads(base.certify(args, "audit", "vnnlib", "--model", model_path, "--property", path,
                                              "--tier", tier, "--json", "--timeout", "10"))
            result = verdict["result"]
            counts[(result, truth)] = counts.get((result, truth), 0) + 1
            check(not (result == "unsat" and truth == "sat") and not (result == "sat" and truth == "unsat"),
                  f"{what} property {number} ({tier}): certify {result}, complete method {truth}")
            if result == "sat":
                x = np.array([float(Fraction(v)) for v in verdict["input"]])
                z = interval(reference, x[None, :], x[None, :], rows)[0]
                check(np.all(x >= lo) and np.all(x <= hi) and z.max() >= -1e-9,
                      f"{what} property {number} ({tier}): the sat input is in the box and violates ({z.max():.3g})")
    print(f"      {what}: (certify, complete) answers {counts}")
    check(any(r == "unsat" for r, _ in counts) and any(r == "sat" for r, _ in counts),
          f"{what}: certify answers both unsat and sat over {len(boxes)} properties x 2 tiers")


def tiny_networks(args):
    rng = np.random.default_rng(3)
    # A residual MLP on 2 inputs, 3 classes of the plane (sectors around the centre).
    points = rng.uniform(0, 1, (3000, 2)).astype(np.float32)
    angle = np.arctan2(points[:, 1] - 0.5, points[:, 0] - 0.5)
    labels = (np.floor((angle + np.pi) / (2 * np.pi / 3)).astype(np.int32)) % 3
    mlp = [("h", "dense", "W1", "b1"), ("r1", "relu"), ("g", "dense", "W2", "b2"), ("r2", "relu"),
           ("f", "dense", "W3", "b3"), ("s", "add", "r1"), ("t", "relu"), ("z", "dense", "W4", "b4")]
    init = {"W1": rng.normal(0, 1, (6, 2)), "b1": np.zeros(6), "W2": rng.normal(0, 0.5, (6, 6)), "b2": np.zeros(6),
            "W3": rng.normal(0, 0.5, (6, 6)), "b3": np.zeros(6), "W4": rng.normal(0, 0.5, (3, 6)), "b4": np.zeros(3)}
    p = base.train(lambda q, x: forward(mlp, q, x), {k: v.astype(np.float32) for k, v in init.items()},
                   points, labels, steps=1500, lr=0.5)
    path = os.path.join(args.work, "tiny-residual-mlp.onnx")
    to_onnx(mlp, p, path, [2], 3)
    boxes = []
    for _ in range(8):
        c, half = rng.uniform(0.1, 0.9, 2), rng.uniform(0.01, 0.15)
        boxes.append((np.clip(c - half, 0, 1), np.clip(c + half, 0, 1)))
    decide(args, "tiny residual MLP", mlp, p, path, boxes, (2,), 3)

    # A plain MLP on 2 inputs that normalises them first, (x - mean) / std per input (Sub and Div of
    # constants; 1/std is no float32 number): the same properties over raw inputs.
    fixed = {"mean": np.array([[0.5, 0.45]], np.float32), "std": np.array([[0.3, 0.7]], np.float32)}
    normalised = [("n", "normalize", "mean", "std"), ("h", "dense", "W1", "b1"), ("r1", "relu"), ("z", "dense", "W2", "b2")]
    init = {"W1": rng.normal(0, 1, (8, 2)), "b1": np.zeros(8), "W2": rng.normal(0, 0.5, (3, 8)), "b2": np.zeros(3)}
    p = base.train(lambda q, x: forward(normalised, {**q, **fixed}, x), {k: v.astype(np.float32) for k, v in init.items()},
                   points, labels, steps=1500, lr=0.5)
    p.update(fixed)
    path = os.path.join(args.work, "tiny-normalised-mlp.onnx")
    to_onnx(normalised, p, path, [2], 3)
    decide(args, "tiny normalised MLP", normalised, p, path, boxes, (2,), 3)

    # A residual CNN on 7x7 images (Fashion-MNIST pooled 4x4); each property frees two pixels.
    x, y = base.load(args.data, "train", 3000)
    small = x.reshape(-1, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(-1, 49).astype(np.float32)
    cnn = [("h", "conv", "K1", "c1", 1, 1), ("r1", "relu"), ("g", "conv", "K2", "c2", 1, 1), ("s", "add", "r1"),
           ("t", "relu"), ("f", "flatten"), ("z", "dense", "W", "b")]
    init = {"K1": rng.normal(0, 0.5, (2, 1, 3, 3)), "c1": np.zeros(2), "K2": rng.normal(0, 0.3, (2, 2, 3, 3)),
            "c2": np.zeros(2), "W": rng.normal(0, 0.1, (10, 98)), "b": np.zeros(10)}
    p = base.train(lambda q, v: forward(cnn, q, v, (1, 7, 7)), {k: v.astype(np.float32) for k, v in init.items()},
                   small, y, steps=600, lr=0.2)
    path = os.path.join(args.work, "tiny-residual-cnn.onnx")
    to_onnx(cnn, p, path, [1, 7, 7], 10)
    boxes = []
    for image in range(8):
        lo = hi = small[image].astype(np.float64)
        free = rng.choice(49, 2, replace=False)
        lo, hi = lo.copy(), hi.copy()
        half = 0.05 if image % 2 else 0.5
        lo[free], hi[free] = np.clip(lo[free] - half, 0, 1), np.clip(hi[free] + half, 0, 1)
        boxes.append((lo, hi))
    decide(args, "tiny residual CNN", cnn, p, path, boxes, (1, 7, 7), 10)


def fashion_networks(args):
    x, y = base.load(args.data, "train", 4000)
    test_y = args.test_y
    rng = np.random.default_rng(5)
    mlp = [("h", "dense", "W1", "b1"), ("r1", "relu"), ("g", "dense", "W2", "b2"), ("r2", "relu"),
           ("f", "dense", "W3", "b3"), ("s", "add", "r1"), ("t", "relu"), ("z", "dense", "W4", "b4")]
    init = {"W1": rng.normal(0, 0.05, (32, 784)), "b1": np.zeros(32), "W2": rng.normal(0, 0.2, (32, 32)), "b2": np.zeros(32),
            "W3": rng.normal(0, 0.2, (32, 32)), "b3": np.zeros(32), "W4": rng.normal(0, 0.2, (10, 32)), "b4": np.zeros(10)}
    p = base.train(lambda q, v: forward(mlp, q, v), {k: v.astype(np.float32) for k, v in init.items()}, x, y)
    cnn = [("h", "conv", "K1", "c1", 2, 1), ("r1", "relu"), ("g", "conv", "K2", "c2", 1, 1), ("r2", "relu"),
           ("f", "conv", "K3", "c3", 1, 1), ("s", "add", "r1"), ("t", "relu"), ("m", "maxpool2"), ("v", "flatten"),
           ("z", "dense", "W", "b")]
    init_c = {"K1": rng.normal(0, 0.3, (4, 1, 3, 3)), "c1": np.zeros(4), "K2": rng.normal(0, 0.2, (4, 4, 3, 3)), "c2": np.zeros(4),
              "K3": rng.normal(0, 0.2, (4, 4, 3, 3)), "c3": np.zeros(4), "W": rng.normal(0, 0.03, (10, 196)), "b": np.zeros(10)}
    q = base.train(lambda r, v: forward(cnn, r, v, (1, 28, 28)), {k: v.astype(np.float32) for k, v in init_c.items()},
                   x, y, steps=200)
    for what, steps, params, image, eps in (("residual MLP", mlp, p, None, "0.003,0.01"),
                                            ("residual CNN", cnn, q, (1, 28, 28), "0.001,0.003")):
        shape = [784] if image is None else list(image)
        path = os.path.join(args.work, what.replace(" ", "-") + ".onnx")
        logits_path = path.replace(".onnx", "-logits.onnx")
        to_onnx(steps, params, path, shape, 10, softmax=True)
        to_onnx(steps, params, logits_path, shape, 10)
        p64 = {k: v.astype(np.float64) for k, v in params.items()}
        logits64 = np.asarray(jax.jit(lambda v: forward(steps, p64, v, image))(args.test_x.astype(np.float64)))
        base.compare_accuracy(args, f"JAX-trained {what} (Add of two values, fan-out)", path, path, logits64, test_y)
        bounds_at_random_points(args, what, path, logits_path, lambda v: np.asarray(forward(steps, p64, v, image)), eps)
    return mlp, p


def bounds_at_random_points(args, what, path, logits_path, forward64, eps):
    """`certify audit robustness --per-image`: float64 and ONNX Runtime margins at random points of
    each ball are at least the certified lower bound."""
    per_image = path.replace(".onnx", "-per-image.jsonl")
    base.certify(args, "audit", "robustness", "--model", path, "--data", args.data, "--eps", eps, "--limit", "10",
                 "--per-image", per_image)
    rng = np.random.default_rng(13)
    balls, worst, certified = 0, np.inf, 0
    for line in open(per_image):
        record = json.loads(line)
        bounds = [record[m]["margin_lower"] for m in ("ibp", "crown") if m in record and record[m]["margin_lower"] is not None]
        if not bounds:
            continue
        image, e, label, lower = record["image"], record["eps"], record["label"], max(bounds)
        certified += lower > 0
        points = np.clip(args.test_x[image] + rng.uniform(-e, e, (100, 784)), 0, 1).astype(np.float32)
        for z, slack in ((forward64(points.astype(np.float64)), 1e-9), (base.run_ort(logits_path, points).astype(np.float64), 1e-4)):
            margins = (z[:, [label]] - np.delete(z, label, axis=1)).min(axis=1)
            worst = min(worst, float(np.min(margins - lower)))
            if np.any(margins < lower - slack * max(1, abs(lower))):
                check(False, f"{what} image {image} eps {e}: a margin {margins.min():.6g} below the certified {lower:.6g}")
        balls += 1
    check(balls > 0 and certified > 0 and worst >= -1e-4,
          f"{what} (ONNX): certified margin bounds hold at {balls} balls x 100 random points, float64 and ONNX Runtime "
          f"({certified} balls certified, least slack {worst:.3g})")


TINY_RESNET = """input 1x28x28
conv2d 1->4 3 stride 2 pad 1
batchnorm
stem = relu
conv2d 4->4 3 pad 1
batchnorm
add stem
block1 = relu
conv2d 4->6 3 stride 2 pad 1
batchnorm
relu
conv2d 6->6 3 pad 1
residual = batchnorm
from block1 conv2d 4->6 1 stride 2
batchnorm
add residual
relu
global_avgpool
dense 10
loss softmax_cross_entropy
"""


def certify_resnet(args):
    spec = os.path.join(args.work, "tiny-resnet.spec")
    with open(spec, "w") as f:
        f.write(TINY_RESNET)
    checkpoint = os.path.join(args.work, "tiny-resnet.ckpt")
    base.certify(args, "train", "--model", spec, "--epochs", "1", "--limit", "1000", "--batch", "50", "--seed", "2",
                 "--data", args.data, "--out", checkpoint)
    exported = os.path.join(args.work, "tiny-resnet.onnx")
    base.certify(args, "export", checkpoint, "--onnx", exported)
    model = onnx.load(exported)
    onnx.checker.check_model(model, full_check=True)
    ops = [n.op_type for n in model.graph.node]
    check(ops.count("Add") == 2 and ops.count("BatchNormalization") == 5,
          f"onnx.checker accepts certify's export of a ResNet ({ops.count('Add')} Add, {ops.count('Conv')} Conv)")
    logits = base.run_ort(exported, args.test_x).astype(np.float64)
    base.compare_accuracy(args, "certify export of a ResNet read by ONNX Runtime", checkpoint, exported, logits, args.test_y)
    ours = json.loads(base.certify(args, "evaluate", checkpoint, "--data", args.data, "--json"))
    back = json.loads(base.certify(args, "evaluate", exported, "--data", args.data, "--json"))
    check(ours["correct"] == back["correct"] and ours["loss"] == back["loss"],
          f"the ResNet export read back by certify evaluates as its checkpoint ({back['correct']} correct, loss {back['loss']})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certify", default=".build/debug/certify")
    parser.add_argument("--work", required=True, help="a folder for the models and reports")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--only", choices=["tiny", "fashion", "resnet"], help="run one part")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    args.test_x, args.test_y = base.load(args.data, "test", 10000)
    if args.only in (None, "tiny"):
        tiny_networks(args)
    if args.only in (None, "fashion"):
        mlp, p = fashion_networks(args)
        mlp_vnnlib(args, "residual MLP", mlp, p, os.path.join(args.work, "residual-MLP.onnx"))
        normalised, q, path = normalised_network(args)
        mlp_vnnlib(args, "normalised MLP", normalised, q, path)
    if args.only in (None, "resnet"):
        certify_resnet(args)
    if base.failures:
        sys.exit(f"onnx_residual: {len(base.failures)} check(s) failed")
    print("onnx_residual: all checks passed")


def normalised_network(args):
    """An MLP trained in JAX on normalised pixels, written with the normalisation as ONNX Sub and Div
    nodes before its first layer, as VNN-COMP's image networks carry it: `certify evaluate` (raw
    pixels) agrees with ONNX Runtime, and ONNX Runtime's margins lie above the certified bounds."""
    x, y = base.load(args.data, "train", 4000)
    fixed = {"mean": np.array([0.2860], np.float32), "std": np.array(0.3530, np.float32)}
    steps = [("n", "normalize", "mean", "std"), ("h", "dense", "W1", "b1"), ("r", "relu"), ("z", "dense", "W2", "b2")]
    rng = np.random.default_rng(7)
    init = {"W1": rng.normal(0, 0.05, (32, 784)), "b1": np.zeros(32), "W2": rng.normal(0, 0.2, (10, 32)), "b2": np.zeros(10)}
    p = base.train(lambda q, v: forward(steps, {**q, **fixed}, v), {k: v.astype(np.float32) for k, v in init.items()}, x, y)
    p.update(fixed)
    path = os.path.join(args.work, "normalised-MLP.onnx")
    to_onnx(steps, p, path, [784], 10)
    p64 = {k: v.astype(np.float64) for k, v in p.items()}
    logits64 = np.asarray(forward(steps, p64, args.test_x.astype(np.float64)))
    base.compare_accuracy(args, "JAX-trained MLP with Sub/Div input normalisation", path, path, logits64, args.test_y)
    bounds_at_random_points(args, "normalised MLP", path, path, lambda v: np.asarray(forward(steps, p64, v)), "0.003,0.01")
    return steps, p, path


def mlp_vnnlib(args, what, steps, p, path):
    """VNN-COMP's robustness properties of a Fashion-MNIST MLP, two tiers: an unsat holds at random
    points of its box, a sat input violates in float64."""
    p64 = {k: v.astype(np.float64) for k, v in p.items()}
    answers = {}
    for image in range(4):
        for eps in (0.002, 0.05):
            prop = os.path.join(args.work, f"{what.replace(' ', '_')}_prop_{image}_{eps}.vnnlib")
            base.robustness_property(args.test_x[image], args.test_y[image], eps, prop)
            lo = np.clip(args.test_x[image].astype(np.float64) - eps, 0, 1)
            hi = np.clip(args.test_x[image].astype(np.float64) + eps, 0, 1)
            label = args.test_y[image]
            results = {}
            for tier in ("mpfi", "fast"):
                verdict = json.loads(base.certify(args, "audit", "vnnlib", "--model", path, "--property", prop, "--tier", tier,
                                                  "--json", "--timeout", "20"))
                results[tier] = verdict["result"]
                answers[verdict["result"]] = answers.get(verdict["result"], 0) + 1
                if verdict["result"] == "unsat":
                    z = np.asarray(forward(steps, p64, np.random.default_rng(image).uniform(lo, hi, (500, 784))))
                    check(np.all(np.delete(z, label, axis=1).max(axis=1) < z[:, label]),
                          f"{what} vnnlib {tier} unsat (image {image}, eps {eps}): no random point of the box violates it")
                elif verdict["result"] == "sat":
                    x = np.array([float(Fraction(v)) for v in verdict["input"]])
                    z = np.asarray(forward(steps, p64, x[None, :]))[0]
                    worst = np.delete(z, label).max() - z[label]
                    check(np.all(x >= lo - 1e-12) and np.all(x <= hi + 1e-12) and worst >= -1e-9,
                          f"{what} vnnlib {tier} sat (image {image}, eps {eps}): its input is in the box and violates ({worst:.3g})")
            check(set(results.values()) != {"unsat", "sat"}, f"{what} vnnlib tiers agree (image {image}, eps {eps}): {results}")
    check(answers.get("unsat", 0) > 0, f"{what} vnnlib answers on 8 robustness properties, two tiers: {answers}")


if __name__ == "__main__":
    main()
