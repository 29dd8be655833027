#!/usr/bin/env -S /usr/bin/python3
"""Times a PyTorch training step of the GAM module: train-mode forward, then backward with every gradient.

Needs PyTorch (Debian: apt-get install python3-torch); optional, CI never runs it. From the repository root:

    /usr/bin/python3 benchmarks/torch/bench_gam_train_step.py [--threads 2] [--runs 7] [--shape N,C,H,W]...

The module is tests/torch/gam_module.py (default variant: rate 4, groups 1, no channel sigmoid, no shuffle;
--grouped adds [8,256,28,28] with groups 4 and shuffle 4), float32, eager mode, torch.set_num_threads(--threads).
One step, as inside a network: x requires grad, y = module(x) in train mode (batch statistics, running
statistics updated, autograd recording), then y.backward(g) for a fixed random g, which fills dL/dx and the
gradient of every parameter (set to None before each step). Forward and backward are timed separately within
each step; every figure is the median over --runs steps after --warmup steps, and the fastest step is shown
too (on a shared machine the closest to a quiet one).

GFLOP/s count the two 7x7 convolutions and the channel MLP only: 2 * N*H*W * (2*C*m + 49*(C*m + m*C)/g)
floating-point operations forward (m = C/4), twice that backward (the gradients of the inputs and of the
weights), three times that per step. The load average (os.getloadavg) before and after is printed: timings on
a busy machine are slower.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allocator  # noqa: E402

if __name__ == "__main__":
    allocator.keep_freed_memory()

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "torch"))
from gam_module import GAM  # noqa: E402  (the one definition of the module)

SHAPES = [[8, 64, 56, 56], [8, 256, 28, 28], [32, 512, 7, 7]]


def forward_flops(shape, rate, groups):
    n, c, h, w = shape
    m = int(c / rate)
    return 2.0 * n * h * w * (2 * c * m + 49 * (c * m + m * c) / groups)


def time_step(shape, rate, groups, shuffle, runs, warmup):
    torch.manual_seed(1)
    c = shape[1]
    module = GAM(c, c, rate=rate, groups=groups, shuffle=shuffle).train()
    x = torch.randn(shape).requires_grad_()
    g = torch.randn(shape)
    forward, backward, step = [], [], []
    for k in range(warmup + runs):
        module.zero_grad(set_to_none=True)
        x.grad = None
        start = time.perf_counter()
        y = module(x)
        middle = time.perf_counter()
        y.backward(g)
        end = time.perf_counter()
        del y
        if k >= warmup:
            forward.append((middle - start) * 1000)
            backward.append((end - middle) * 1000)
            step.append((end - start) * 1000)
    missing = [name for name, p in module.named_parameters() if p.grad is None]
    if missing or x.grad is None:
        raise SystemExit(f"{shape}: no gradient for {missing or ['x']}")
    return statistics.median(forward), statistics.median(backward), statistics.median(step), min(step)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--runs", type=int, default=7, help="timed steps per shape (default 7)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    parser.add_argument("--shape", action="append", metavar="N,C,H,W", help="shapes instead of the three standard ones")
    parser.add_argument("--grouped", action="store_true", help="also [8,256,28,28] with groups 4 and shuffle 4")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cases = [([int(v) for v in s.split(",")], 4, 1, 0) for s in args.shape] if args.shape else [(s, 4, 1, 0) for s in SHAPES]
    if args.grouped:
        cases.append(([8, 256, 28, 28], 4, 4, 4))

    load = os.getloadavg()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} logical processors, float32, {allocator.describe()}, "
          f"medians of {args.runs} steps after {args.warmup}; load average before: "
          + " ".join(f"{v:.2f}" for v in load))
    print()
    print("| shape | variant | step ms | forward ms | backward ms | step GFLOP/s | forward GFLOP/s | backward GFLOP/s | "
          "fastest step ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for shape, rate, groups, shuffle in cases:
        fwd, bwd, step, fastest = time_step(shape, rate, groups, shuffle, args.runs, args.warmup)
        flops = forward_flops(shape, rate, groups)
        variant = "default" if groups == 1 and not shuffle else f"groups {groups}, shuffle {shuffle}"
        print(f"| [{','.join(map(str, shape))}] | {variant} | {step:.1f} | {fwd:.1f} | {bwd:.1f} | "
              f"{3 * flops / step / 1e6:.1f} | {flops / fwd / 1e6:.1f} | {2 * flops / bwd / 1e6:.1f} | {fastest:.1f} |",
              flush=True)
    print()
    print("load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
