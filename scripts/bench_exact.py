#!/usr/bin/env python3
"""Times the operations of Sources/ExactBenchmarks with Python's fractions.Fraction and mpmath.iv.

  python3 scripts/bench_exact.py                      a table of Python timings
  python3 scripts/bench_exact.py --json               the same as one JSON object
  python3 scripts/bench_exact.py --compare swift.json side by side with the Swift benchmark's
                                                      --json output, ratio = Python / Swift

Timings are the median over 7 runs of nanoseconds per operation, each run long enough (about
40 ms) for timer resolution not to matter, as in the Swift benchmark.
"""

import argparse
import json
import statistics
import sys
import timeit
from fractions import Fraction

import mpmath
from mpmath import iv

REPETITIONS = 7
RUN_SECONDS = 0.04


def operands():
    """The same values as Sources/ExactBenchmarks/Cases.swift."""
    mpmath.mp.prec = 128
    iv.prec = 128
    return {
        "a": Fraction(3, 7),
        "b": Fraction(-5, 11),
        # 7^355 has 300 digits, 3^629 has 301, 11^288 has 300, 13^269 has 300.
        "p": Fraction(7**355 + 1, 3**629 + 2),
        "q": -Fraction(11**288 + 5, 13**269 + 3),
        # mpmath reads "p/q" text and rounds it outward, like Interval(lower:upper:).
        "x": iv.mpf(["1/3", "1/2"]),
        "y": iv.mpf(["-5/11", "3/7"]),
        "iv": iv,
        "dot": dot_operands(),
        "dot_terms": dot_terms,
    }


DOT_ROWS, DOT_COLUMNS = 16, 784


def dot_operands():
    """The IBP layer of Cases.swift's Operands.dotMap: point weights, pixel boxes of radius 3/1000."""
    weights = [[iv.mpf((((r * DOT_COLUMNS + c) * 7919) % 2001) - 1000) / 4096  # exact: a power of 2
                for c in range(DOT_COLUMNS)] for r in range(DOT_ROWS)]
    inputs = []
    for k in range(DOT_COLUMNS):
        centre = Fraction(0) if k % 7 == 0 else Fraction(k % 256, 255)
        lo, hi = max(centre - Fraction(3, 1000), Fraction(0)), min(centre + Fraction(3, 1000), Fraction(1))
        inputs.append(iv.mpf([f"{lo.numerator}/{lo.denominator}", f"{hi.numerator}/{hi.denominator}"]))
    return weights, inputs


def dot_terms(operands):
    """One IBP layer, term by term as the mpmath reference of scripts/audit_reference_numpy.py does."""
    weights, inputs = operands
    out = []
    for row in weights:
        s = iv.mpf(0)
        for w, x in zip(row, inputs):
            s = s + w * x
        out.append(s)
    return out


CASES = [
    ("rational_add_small", "a + b"),
    ("rational_mul_small", "a * b"),
    ("rational_div_small", "a / b"),
    ("rational_add_large", "p + q"),
    ("rational_mul_large", "p * q"),
    ("rational_div_large", "p / q"),
    ("interval_mul_128", "x * y"),
    ("interval_exp_128", "iv.exp(x)"),
    ("interval_dot_term_128", "dot_terms(dot)"),
]

# Operations per timed statement (the rest perform one).
OPERATIONS = {"interval_dot_term_128": DOT_ROWS * DOT_COLUMNS}

DESCRIPTIONS = {
    "rational": "fractions.Fraction",
    "interval": "mpmath.iv, prec 128",
}


def median_ns_per_op(statement, namespace):
    timer = timeit.Timer(statement, globals=namespace)
    number, elapsed = timer.autorange()  # at least 0.2 s in total
    number = max(1, int(number * RUN_SECONDS / elapsed))
    runs = timer.repeat(repeat=REPETITIONS, number=number)
    return statistics.median(runs) / number * 1e9


def python_results():
    namespace = operands()
    return {name: median_ns_per_op(statement, namespace) / OPERATIONS.get(name, 1) for name, statement in CASES}


def print_python_table(results):
    print(f"{'operation':<22}{'Python ns/op':>14}  reference")
    for name, _ in CASES:
        print(f"{name:<22}{results[name]:>14.1f}  {DESCRIPTIONS[name.split('_')[0]]}")


def print_comparison(python, swift):
    print(f"{'operation':<22}{'Swift ns/op':>13}{'Python ns/op':>14}{'Python/Swift':>14}  Python reference")
    for name, _ in CASES:
        if name not in swift:
            sys.exit(f"bench_exact.py: the Swift results have no {name!r}")
        ratio = python[name] / swift[name]
        print(
            f"{name:<22}{swift[name]:>13.1f}{python[name]:>14.1f}{ratio:>13.1f}x"
            f"  {DESCRIPTIONS[name.split('_')[0]]}"
        )


def main():
    parser = argparse.ArgumentParser(description="Time Fraction and mpmath.iv like ExactBenchmarks.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    group.add_argument("--compare", metavar="FILE", help="the Swift benchmark's --json output")
    args = parser.parse_args()

    if args.compare:
        with open(args.compare) as file:
            swift = json.load(file)["results"]
    results = python_results()
    if args.json:
        print(json.dumps({"unit": "ns/op", "results": {k: round(v, 1) for k, v in results.items()}}))
    elif args.compare:
        print_comparison(results, swift)
    else:
        print_python_table(results)


if __name__ == "__main__":
    main()
