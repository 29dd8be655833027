#!/usr/bin/env -S /usr/bin/python3
"""Exports the reference PyTorch SimAM module to ONNX, for the benchmarks' ONNX Runtime peer (simam-compare).

Needs PyTorch and onnx (Debian: apt-get install python3-torch python3-onnx); optional, CI never runs it.
SimAM has no weights, so the files are a few kilobytes and are committed
(benchmarks/SimAM.Benchmarks/Models/simam_rank{3,4,5}.onnx): the benchmarks load them from the build
output and never need Python. Run this only to export them again:

    /usr/bin/python3 benchmarks/torch/export_simam_onnx.py [--output-dir DIR] [--opset 13] [--lambda 1e-4]

One file per tensor rank of the benchmark shapes, since the mean runs over dims 2.. and the traced graph
names them: rank 3 [N, C, L], rank 4 [N, C, H, W], rank 5 [N, C, D, H, W]. Every axis is dynamic (input
"x", output "y"); the plane size n - 1 is traced from the input's shape (Shape, Gather, Mul, Sub and Cast
nodes), not frozen at the tracing sample's. The module is the one of tests/torch/generate_golden.py (the
authors' simam_module generalised to any rank), exported in float32 with lambda rounded to float32 as
the engine holds it. Each file is checked with onnx.checker; ONNX Runtime is not needed here (the .NET
side checks ORT's output against the engine on every benchmark shape).
"""
import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "torch"))
from generate_golden import simam  # noqa: E402  (the one definition of the reference module)

# A small tracing sample per rank: any size works, since every axis is exported as dynamic.
SAMPLES = {3: [2, 3, 10], 4: [2, 3, 5, 6], 5: [2, 3, 4, 5, 6]}
AXIS_NAMES = {3: ["N", "C", "L"], 4: ["N", "C", "H", "W"], 5: ["N", "C", "D", "H", "W"]}


class SimAM(torch.nn.Module):
    """simam(x, lam) as a module, for torch.onnx.export."""

    def __init__(self, lam):
        super().__init__()
        self.lam = lam

    def forward(self, x):
        return simam(x, self.lam)


def file_name(rank):
    return f"simam_rank{rank}.onnx"


def export(rank, path, opset, lam):
    module = SimAM(lam).eval()
    x = torch.randn(SAMPLES[rank])
    axes = dict(enumerate(AXIS_NAMES[rank]))
    with torch.no_grad():
        torch.onnx.export(module, x, path, opset_version=opset, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": axes, "y": axes}, do_constant_folding=True)

    import onnx  # noqa: E402 (only needed once the file exists)

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    if dims != AXIS_NAMES[rank]:
        raise SystemExit(f"{path}: input axes {dims}, expected {AXIS_NAMES[rank]} (all dynamic)")
    ops = [n.op_type for n in model.graph.node]
    print(f"wrote {path} ({os.path.getsize(path)} bytes): opset {opset}, lambda {lam!r}, input x {dims}, "
          f"{len(ops)} nodes ({', '.join(sorted(set(ops)))}); onnx.checker passed")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output-dir", default=os.path.join(ROOT, "benchmarks", "SimAM.Benchmarks", "Models"),
                        help="where the .onnx files go (default: the benchmarks project's Models folder)")
    parser.add_argument("--opset", type=int, default=13, help="ONNX opset (13 to 17 with PyTorch 1.13; default 13)")
    parser.add_argument("--lambda", dest="lam", type=float, default=1e-4, help="lambda (default 1e-4, the engine's default)")
    parser.add_argument("--rank", type=int, action="append", choices=sorted(SAMPLES),
                        help="only this tensor rank (repeatable; default 3, 4 and 5)")
    args = parser.parse_args(argv)

    # The engine holds lambda as a float32; the exported constant is float32 as well, so the same value.
    lam = float(np.float32(args.lam))
    os.makedirs(args.output_dir, exist_ok=True)
    for rank in args.rank or sorted(SAMPLES):
        export(rank, os.path.join(args.output_dir, file_name(rank)), args.opset, lam)
    return 0


if __name__ == "__main__":
    sys.exit(main())
