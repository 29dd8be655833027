#!/usr/bin/env -S /usr/bin/python3
"""Runs `simam bench` and the PyTorch reference on the same shapes and prints the speed-up per shape.

One command, from the repository root (needs the .NET SDK and Debian's python3-torch):
  python3 benchmarks/torch/compare.py [--quick]

Prints the README's results table: SimAM.Cpu's forward and backward times, the forward against the
streaming floor (the fastest of a copy with ordinary stores and a read + non-temporal write, serial or
parallel) and against a parallel memcpy, the backward against the 3-stream floor (likewise the fastest
dx = x + g), and the speed-ups over the TensorPrimitives
chain, the scalar port and PyTorch (forward, and a training step: forward + backward, where
SimAM.Cpu's backward reuses the statistics its forward pass saved). The last column, vs ONNX Runtime,
is the forward against ONNX Runtime on the exported module, both timed in one process by the
benchmarks' simam-compare (see onnxruntime_ratios).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def onnxruntime_ratios(shapes, quick, tmp):
    """ORT's forward time over SimAM.Cpu's per shape ("N,C,..." -> ratio), from the benchmarks' simam-compare.

    Its own same-process ratio (interleaved rounds), not one against `simam bench`'s times: ORT runs in
    .NET, on the committed .onnx files, so this needs no Python package beyond the standard library.
    """
    path = os.path.join(tmp, "ort.json")
    subprocess.run(["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "benchmarks", "SimAM.Benchmarks"), "--",
                    "simam-compare", *quick, "--json", path, *[a for s in shapes for a in ("--shape", s)]],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path) as f:
        return {",".join(map(str, r["shape"])): r["ort_over_simam"] for r in json.load(f)["results"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick subset of shapes")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []

    with tempfile.TemporaryDirectory() as tmp:
        ours_path = os.path.join(tmp, "simam.json")
        torch_path = os.path.join(tmp, "torch.json")
        subprocess.run(["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "src", "SimAM.Cli"), "--",
                        "bench", *quick, "--json", ours_path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(ours_path) as f:
            ours = json.load(f)
        shapes = [",".join(map(str, r["shape"])) for r in ours["results"]]
        subprocess.run([sys.executable, os.path.join(HERE, "bench_torch.py"), *quick, "--json", torch_path,
                        *[a for s in shapes for a in ("--shape", s)]], check=True, stdout=subprocess.DEVNULL)
        with open(torch_path) as f:
            theirs = json.load(f)
        ort = onnxruntime_ratios(shapes, quick, tmp)

    env = ours["environment"]
    print(f"{env['cpu']}, {env['logicalProcessors']} logical processors, {env['runtime']}, kernel {env['kernel']}; "
          f"PyTorch {theirs['torch']} with {theirs['threads']} threads ({theirs['allocator']}); float32, medians")
    print("| shape | MB | fwd ms | × floor | × memcpy | bwd ms | × 3-stream | vs TP chain | vs scalar | vs PyTorch fwd | vs PyTorch fwd+bwd |"
          " vs ONNX Runtime |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" " ---: |")
    for a, b in zip(ours["results"], theirs["results"]):
        step = a["forwardMs"] + a["backwardMs"]
        print(f"| [{','.join(map(str, a['shape']))}] | {a['megabytes']:.1f} | {a['forwardMs']:.3f} | "
              f"{a['forwardOverFloor']:.2f}x | {a['forwardOverMemcpy']:.2f}x | {a['backwardMs']:.3f} | {a['backwardOverThreeStream']:.2f}x | "
              f"{a['speedupOverTensorPrimitivesChain']:.1f}x | {a['speedupOverScalarPort']:.1f}x | "
              f"{b['forwardMs'] / a['forwardMs']:.1f}x | {b['forwardBackwardMs'] / step:.1f}x |"
              f" {ort[','.join(map(str, a['shape']))]:.1f}x |")


if __name__ == "__main__":
    main()
