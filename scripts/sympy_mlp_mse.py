#!/usr/bin/env python3
"""SymPy reference: the MLP-MSE gradient set of Theorems/mlp_mse.thm checked at one concrete size.

SymPy has no symbolic dimensions: it can only check the gradients entry by entry at a fixed size k
(inputs, hidden units and outputs all k). For each of grad_W2, grad_b2, grad_b1, grad_x, grad_W1 it
differentiates the loss in every entry and checks that the difference with the stated formula
simplifies to 0. Prints one JSON line: {"k", "seconds", "checked", "all_equal"}.
"""
import json
import sys
import time

import sympy as sp


def main() -> None:
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    start = time.perf_counter()
    I = H = O = k
    W1 = sp.Matrix(H, I, lambda h, i: sp.Symbol(f"W1_{h}_{i}", real=True))
    b1 = sp.Matrix(H, 1, lambda h, _: sp.Symbol(f"b1_{h}", real=True))
    W2 = sp.Matrix(O, H, lambda o, h: sp.Symbol(f"W2_{o}_{h}", real=True))
    b2 = sp.Matrix(O, 1, lambda o, _: sp.Symbol(f"b2_{o}", real=True))
    x = sp.Matrix(I, 1, lambda i, _: sp.Symbol(f"x_{i}", real=True))
    t = sp.Matrix(O, 1, lambda o, _: sp.Symbol(f"t_{o}", real=True))

    z1 = W1 * x + b1
    a1 = z1.applyfunc(lambda z: sp.Max(0, z))
    y = W2 * a1 + b2
    loss = sum((y[o] - t[o]) ** 2 for o in range(O)) / O
    g = [sp.Rational(2, O) * (y[o] - t[o]) for o in range(O)]
    step = [sp.Heaviside(z1[h]) for h in range(H)]
    back = [sum(W2[o, h] * g[o] for o in range(O)) for h in range(H)]

    claims = []
    claims += [(W2[o, h], g[o] * a1[h]) for o in range(O) for h in range(H)]
    claims += [(b2[o], g[o]) for o in range(O)]
    claims += [(b1[h], step[h] * back[h]) for h in range(H)]
    claims += [(x[i], sum(W1[h, i] * step[h] * back[h] for h in range(H))) for i in range(I)]
    claims += [(W1[h, i], step[h] * back[h] * x[i]) for h in range(H) for i in range(I)]

    all_equal = True
    for variable, claimed in claims:
        difference = sp.expand(sp.diff(loss, variable) - claimed)
        # Max(0, z)' is Heaviside(z) away from 0, as the Certify theorems assume (z1 != 0).
        difference = difference.replace(sp.DiracDelta, lambda *args: 0)
        if sp.simplify(difference) != 0:
            all_equal = False
    seconds = time.perf_counter() - start
    print(json.dumps({"k": k, "seconds": round(seconds, 3), "checked": len(claims), "all_equal": all_equal}))


if __name__ == "__main__":
    main()
