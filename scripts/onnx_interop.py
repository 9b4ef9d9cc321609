#!/usr/bin/env python3
"""ONNX interoperability checks of `certify` against the `onnx` package and ONNX Runtime.

Networks nobody here wrote by hand: a small MLP and a small CNN are trained in JAX (float32) on
Fashion-MNIST images, written as ONNX with `onnx.helper` (the MLP's layers as Gemm and as
MatMul + Add, a Softmax at the output, as exporters write them), and checked:

  1. `onnx.checker` accepts every model, ours and Certify's exports;
  2. `certify evaluate MODEL.onnx` and ONNX Runtime agree on the test accuracy: the counts may
     differ only by images whose two largest logits are within float32 rounding of each other
     (the two sum in different orders), counted in float64;
  3. `certify train` then `certify export --onnx`: ONNX Runtime on the export agrees with
     `certify evaluate` on the checkpoint, in the same sense;
  4. `certify audit robustness --per-image` on the MLP: at random points of each eps-ball, the
     network's worst margin (in float64 from the same weights, and ONNX Runtime's float32 one
     within its rounding) is at least the certified lower bound.

Exits 1 when a check fails. Needs numpy, jax, onnx, onnxruntime (pip).
  scripts/onnx_interop.py --certify .build/debug/certify --work DIR [--data DIR]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys

import numpy as np

try:
    import jax
    import jax.numpy as jnp
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
except ImportError as error:
    sys.exit(f"onnx_interop: needs numpy, jax, onnx and onnxruntime ({error}); pip install jax onnx onnxruntime")

# Float64 for the reference logits; training stays float32 (its arrays are float32).
jax.config.update("jax_enable_x64", True)

failures = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)


def load(data, kind, count):
    prefix = "train" if kind == "train" else "t10k"
    with gzip.open(os.path.join(data, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:count]
    with gzip.open(os.path.join(data, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:count]
    return (images / np.float32(255)).astype(np.float32), labels.astype(np.int32)


# Training in JAX: plain SGD on softmax cross-entropy, a few hundred steps.

def mlp_forward(p, x):
    h = jax.nn.relu(x @ p["W1"].T + p["b1"])
    return h @ p["W2"] + p["b2"]


def cnn_forward(p, x):
    x = x.reshape(-1, 1, 28, 28)
    y = jax.lax.conv_general_dilated(x, p["K"], (1, 1), ((1, 1), (1, 1)), dimension_numbers=("NCHW", "OIHW", "NCHW"))
    y = jax.nn.relu(y + p["c"][None, :, None, None])
    y = jax.lax.reduce_window(y, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    return y.reshape(y.shape[0], -1) @ p["W"].T + p["b"]


def train(forward, params, x, y, steps=300, lr=0.1, batch=64, seed=0):
    def loss(p, xb, yb):
        z = forward(p, xb)
        return jnp.mean(jax.nn.logsumexp(z, axis=1) - z[jnp.arange(z.shape[0]), yb])

    step = jax.jit(lambda p, xb, yb: jax.tree_util.tree_map(lambda a, g: a - lr * g, p, jax.grad(loss)(p, xb, yb)))
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        idx = rng.integers(0, len(x), batch)
        params = step(params, x[idx], y[idx])
    return {k: np.asarray(v, np.float32) for k, v in params.items()}


def save(nodes, initializers, input_shape, path, softmax=True):
    """Writes the graph; with `softmax`, a Softmax node turns the logits `z` into the output."""
    if softmax:
        nodes = nodes + [helper.make_node("Softmax", ["z"], ["probabilities"], name="softmax", axis=1)]
    graph = helper.make_graph(
        nodes, os.path.basename(path), [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"] + input_shape)],
        [helper.make_tensor_value_info("probabilities" if softmax else "z", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx_interop.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def mlp_onnx(p, path, softmax=True):
    # Layer 1 as Gemm (PyTorch's nn.Linear), layer 2 as MatMul + Add (JAX and TensorFlow exports).
    save([helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1", transB=1),
          helper.make_node("Relu", ["h"], ["r"], name="relu1"),
          helper.make_node("MatMul", ["r", "W2"], ["m"], name="fc2"),
          helper.make_node("Add", ["m", "b2"], ["z"], name="fc2_bias")],
         p, [784], path, softmax)


def cnn_onnx(p, path):
    save([helper.make_node("Conv", ["x", "K", "c"], ["y"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
          helper.make_node("Relu", ["y"], ["r"], name="relu"),
          helper.make_node("MaxPool", ["r"], ["m"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
          helper.make_node("Flatten", ["m"], ["f"], name="flatten", axis=1),
          helper.make_node("Gemm", ["f", "W", "b"], ["z"], name="fc", transB=1)],
         p, [1, 28, 28], path)


def run_ort(path, x):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    shape = [d if isinstance(d, int) else -1 for d in session.get_inputs()[0].shape]
    return session.run(None, {name: x.reshape([-1] + shape[1:])})[0]


def near_ties(logits64):
    """Images whose two largest logits are within float32 rounding of each other."""
    top = np.sort(logits64, axis=1)[:, -2:]
    return int(np.sum(top[:, 1] - top[:, 0] <= 1e-5 * np.maximum(1, np.abs(top[:, 1]))))


def certify(args, *command):
    result = subprocess.run([args.certify, *command], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        raise SystemExit(f"onnx_interop: certify {' '.join(command)} failed")
    return result.stdout


def compare_accuracy(args, what, model_path, ort_path, logits64, labels):
    evaluated = json.loads(certify(args, "evaluate", model_path, "--data", args.data, "--json"))
    ours = int(evaluated["correct"])
    theirs = int(np.sum(np.argmax(run_ort(ort_path, args.test_x), axis=1) == labels))
    ties = near_ties(logits64)
    check(abs(ours - theirs) <= ties,
          f"{what}: certify evaluate {ours} correct, ONNX Runtime {theirs} (near ties: {ties})")


def robustness_property(x, label, eps, path):
    """VNN-COMP's image property: the L-inf ball (clipped to [0, 1]) and "some other class scores
    at least the label"."""
    lines = [f"(declare-const X_{i} Real)" for i in range(len(x))] + [f"(declare-const Y_{j} Real)" for j in range(10)]
    for i, v in enumerate(x):
        lines += [f"(assert (>= X_{i} {max(0.0, float(v) - eps)!r}))", f"(assert (<= X_{i} {min(1.0, float(v) + eps)!r}))"]
    lines.append("(assert (or " + " ".join(f"(and (>= Y_{j} Y_{label}))" for j in range(10) if j != label) + "))")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def check_vnnlib(args, mlp, mlp_path, labels):
    """`certify audit vnnlib` on robustness properties of the JAX-trained MLP: an unsat answer
    holds at random points of the box (float64 from the same weights), a sat answer's input lies in
    the box and violates the property (evaluated in float64), and both answers occur."""
    from fractions import Fraction
    answers = {}
    for image in range(6):
        for eps in (0.002, 0.05):
            path = os.path.join(args.work, f"prop_{image}_{eps}.vnnlib")
            robustness_property(args.test_x[image], labels[image], eps, path)
            lo = np.clip(args.test_x[image].astype(np.float64) - eps, 0, 1)
            hi = np.clip(args.test_x[image].astype(np.float64) + eps, 0, 1)
            forward = lambda p: np.maximum(p @ mlp["W1"].T.astype(np.float64) + mlp["b1"], 0) @ mlp["W2"].astype(np.float64) + mlp["b2"]
            results = {}
            for tier in ("mpfi", "fast"):
                verdict = json.loads(certify(args, "audit", "vnnlib", "--model", mlp_path, "--property", path, "--tier", tier, "--json", "--timeout", "20"))
                results[tier] = verdict["result"]
                answers[verdict["result"]] = answers.get(verdict["result"], 0) + 1
                if verdict["result"] == "unsat":
                    points = np.random.default_rng(image).uniform(lo, hi, (500, 784))
                    z = forward(points)
                    others = np.delete(z, labels[image], axis=1).max(axis=1)
                    check(np.all(others < z[:, labels[image]]), f"vnnlib {tier} unsat (image {image}, eps {eps}): no random point of the box violates it")
                elif verdict["result"] == "sat":
                    x = np.array([float(Fraction(v)) for v in verdict["input"]])
                    inside = np.all(x >= lo - 1e-12) and np.all(x <= hi + 1e-12)
                    z = forward(x[None, :])[0]
                    worst = np.delete(z, labels[image]).max() - z[labels[image]]
                    check(inside and worst >= -1e-9, f"vnnlib {tier} sat (image {image}, eps {eps}): its input is in the box and some class reaches the label's score ({worst:.3g})")
            check(set(results.values()) != {"unsat", "sat"}, f"vnnlib tiers agree (image {image}, eps {eps}): {results}")
    check(answers.get("unsat", 0) > 0 and answers.get("sat", 0) > 0, f"vnnlib answers on 12 robustness properties, two tiers: {answers}")


def check_cnn_bounds(args, cnn, cnn_path, labels):
    """`certify audit robustness --per-image` on the JAX-trained ONNX CNN: at random points of each
    ball, the worst margin (float64 from the same weights) is at least the certified lower bound."""
    per_image = os.path.join(args.work, "cnn-per-image.jsonl")
    certify(args, "audit", "robustness", "--model", cnn_path, "--data", args.data, "--eps", "0.001,0.003", "--limit", "10",
            "--per-image", per_image)
    weights = {k: v.astype(np.float64) for k, v in cnn.items()}
    rng = np.random.default_rng(11)
    balls, worst = 0, np.inf
    for line in open(per_image):
        record = json.loads(line)
        bounds = [record[m]["margin_lower"] for m in ("ibp", "crown") if m in record and record[m]["margin_lower"] is not None]
        if not bounds:
            continue
        image, eps, label = record["image"], record["eps"], record["label"]
        points = np.clip(args.test_x[image] + rng.uniform(-eps, eps, (50, 784)), 0, 1)
        z = np.asarray(cnn_forward(weights, points))
        margins = (z[:, [label]] - np.delete(z, label, axis=1)).min(axis=1)
        worst = min(worst, float(np.min(margins - max(bounds))))
        balls += 1
    check(balls > 0 and worst >= -1e-9, f"CNN (ONNX): certified margin bounds hold at {balls} balls x 50 random points (least slack {worst:.3g})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certify", default=".build/debug/certify")
    parser.add_argument("--work", required=True, help="a folder for the models and reports")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    x, y = load(args.data, "train", 4000)
    args.test_x, test_y = load(args.data, "test", 10000)
    key = np.random.default_rng(1)

    mlp = train(mlp_forward, {"W1": key.normal(0, 0.05, (32, 784)).astype(np.float32), "b1": np.zeros(32, np.float32),
                              "W2": key.normal(0, 0.2, (32, 10)).astype(np.float32), "b2": np.zeros(10, np.float32)}, x, y)
    mlp_path = os.path.join(args.work, "mlp.onnx")
    mlp_onnx(mlp, mlp_path)
    mlp_logits_path = os.path.join(args.work, "mlp-logits.onnx")  # ONNX Runtime's logits, for the margins
    mlp_onnx(mlp, mlp_logits_path, softmax=False)
    mlp64 = np.maximum(args.test_x.astype(np.float64) @ mlp["W1"].T.astype(np.float64) + mlp["b1"], 0) @ mlp["W2"].astype(np.float64) + mlp["b2"]
    compare_accuracy(args, "JAX-trained MLP (Gemm, MatMul + Add, Softmax)", mlp_path, mlp_path, mlp64, test_y)

    cnn = train(cnn_forward, {"K": key.normal(0, 0.3, (4, 1, 3, 3)).astype(np.float32), "c": np.zeros(4, np.float32),
                              "W": key.normal(0, 0.02, (10, 784)).astype(np.float32), "b": np.zeros(10, np.float32)}, x, y, steps=200)
    cnn_path = os.path.join(args.work, "cnn.onnx")
    cnn_onnx(cnn, cnn_path)
    cnn64 = np.asarray(jax.jit(cnn_forward)({k: v.astype(np.float64) for k, v in cnn.items()}, args.test_x.astype(np.float64)))
    compare_accuracy(args, "JAX-trained CNN (Conv, MaxPool, Flatten, Gemm, Softmax)", cnn_path, cnn_path, cnn64, test_y)

    # Certify's own model out to ONNX.
    checkpoint = os.path.join(args.work, "small.ckpt")
    certify(args, "train", "--model", "Models/mlp.spec", "--epochs", "1", "--limit", "6000", "--seed", "1", "--data", args.data, "--out", checkpoint)
    exported = os.path.join(args.work, "small.onnx")
    certify(args, "export", checkpoint, "--onnx", exported)
    onnx.checker.check_model(onnx.load(exported), full_check=True)
    check(True, "onnx.checker accepts certify export")
    export_logits = run_ort(exported, args.test_x).astype(np.float64)
    compare_accuracy(args, "certify export read by ONNX Runtime", checkpoint, exported, export_logits, test_y)

    # Certified bounds hold at random points of the ball.
    per_image = os.path.join(args.work, "mlp-per-image.jsonl")
    certify(args, "audit", "robustness", "--model", mlp_path, "--data", args.data, "--eps", "0.003,0.01", "--limit", "40",
            "--per-image", per_image)
    rng = np.random.default_rng(7)
    checked, worst = 0, np.inf
    for line in open(per_image):
        record = json.loads(line)
        image, eps, label = record["image"], record["eps"], record["label"]
        bounds = [record[m]["margin_lower"] for m in ("ibp", "crown") if m in record and record[m]["margin_lower"] is not None]
        if not bounds:
            continue
        lower = max(bounds)
        points = np.clip(args.test_x[image] + rng.uniform(-eps, eps, (200, 784)), 0, 1).astype(np.float32)
        exact = np.maximum(points.astype(np.float64) @ mlp["W1"].T.astype(np.float64) + mlp["b1"], 0) @ mlp["W2"].astype(np.float64) + mlp["b2"]
        ort_z = run_ort(mlp_logits_path, points).astype(np.float64)
        for z, slack in ((exact, 1e-9), (ort_z, 1e-4)):
            margins = z[:, [label]] - np.delete(z, label, axis=1)
            worst = min(worst, float(np.min(margins.min(axis=1) - lower)))
            checked += 1
            if np.any(margins.min(axis=1) < lower - slack * max(1, abs(lower))):
                check(False, f"image {image} eps {eps}: a margin {margins.min():.6g} below the certified {lower:.6g}")
    check(checked > 0 and worst >= -1e-4, f"certified margin bounds hold at {checked // 2} balls x 200 random points (least slack {worst:.3g})")

    check_vnnlib(args, mlp, mlp_path, test_y)
    check_cnn_bounds(args, cnn, cnn_path, test_y)

    if failures:
        sys.exit(f"onnx_interop: {len(failures)} check(s) failed")
    print("onnx_interop: all checks passed")


if __name__ == "__main__":
    main()
