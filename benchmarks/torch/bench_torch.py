#!/usr/bin/env -S /usr/bin/python3
"""Times the reference PyTorch SimAM module on the benchmark shapes.

Needs PyTorch (Debian: apt-get install python3-torch); optional, CI never runs it. Eager mode,
torch.set_num_threads(number of cores), float32, glibc malloc keeping freed memory (allocator.py), medians of
repeated runs after a warm-up:
  forward           y = simam(x) under torch.no_grad()
  forward+backward  y = simam(x); y.backward(g), x requiring grad (what a training step pays)

Usage: python3 benchmarks/torch/bench_torch.py [--quick] [--json FILE] [--shape N,C,d1,...]...
"""
import argparse
import json
import os
import statistics
import time

import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allocator  # noqa: E402

if __name__ == "__main__":
    allocator.keep_freed_memory()

import torch  # noqa: E402

# The reference module, defined once beside the golden-file generator.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "torch"))
from generate_golden import simam  # noqa: E402

STANDARD = [
    [1, 64, 56, 56], [8, 256, 56, 56], [32, 64, 56, 56], [32, 512, 28, 28],
    [32, 2048, 7, 7], [1, 3, 1024, 1024], [4, 32, 16, 32, 32], [16, 128, 3136],
]
# The same subset as `simam bench --quick`.
QUICK = [[1, 64, 56, 56], [32, 64, 56, 56], [32, 2048, 7, 7], [16, 128, 3136]]


def median_ms(step, budget_s):
    for _ in range(3):
        step()
    samples = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < 5 or (time.perf_counter() < deadline and len(samples) < 50):
        start = time.perf_counter()
        step()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def measure(shape, budget_s):
    torch.manual_seed(0)
    x = torch.randn(*shape)
    g = torch.randn(*shape)

    def forward():
        with torch.no_grad():
            simam(x, 1e-4)

    xg = x.clone().requires_grad_(True)

    def forward_backward():
        xg.grad = None
        simam(xg, 1e-4).backward(g)

    return {"shape": shape, "forwardMs": median_ms(forward, budget_s), "forwardBackwardMs": median_ms(forward_backward, budget_s)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick subset, fewer repetitions")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--shape", action="append", help="N,C,d1,... (repeatable); replaces the default set")
    args = parser.parse_args()

    torch.set_num_threads(os.cpu_count())
    shapes = [[int(v) for v in s.split(",")] for s in args.shape] if args.shape else (QUICK if args.quick else STANDARD)
    budget = 0.3 if args.quick else 1.5
    results = [measure(shape, budget) for shape in shapes]

    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, float32, eager, {allocator.describe()}")
    print("| shape | fwd ms | fwd+bwd ms |")
    print("| --- | ---: | ---: |")
    for r in results:
        print(f"| [{','.join(map(str, r['shape']))}] | {r['forwardMs']:.3f} | {r['forwardBackwardMs']:.3f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "allocator": allocator.describe(), "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
