#!/usr/bin/env -S /usr/bin/python3
"""Runs `simam bench` and the PyTorch reference on the same shapes and prints the speed-up per shape.

One command, from the repository root (needs the .NET SDK and Debian's python3-torch):
  python3 benchmarks/torch/compare.py [--quick]

Speed-up = PyTorch time / SimAM.Cpu time, for the forward pass and for a training step
(forward + backward; SimAM.Cpu's backward reuses the statistics its forward pass saved).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


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

    env = ours["environment"]
    print(f"{env['cpu']}, {env['logicalProcessors']} logical processors, {env['runtime']}, kernel {env['kernel']}; "
          f"PyTorch {theirs['torch']} with {theirs['threads']} threads; float32, medians")
    print("| shape | SimAM.Cpu fwd ms | PyTorch fwd ms | fwd speed-up | SimAM.Cpu fwd+bwd ms | PyTorch fwd+bwd ms | training speed-up |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for a, b in zip(ours["results"], theirs["results"]):
        step = a["forwardMs"] + a["backwardMs"]
        print(f"| [{','.join(map(str, a['shape']))}] | {a['forwardMs']:.3f} | {b['forwardMs']:.3f} | "
              f"{b['forwardMs'] / a['forwardMs']:.1f}x | {step:.3f} | {b['forwardBackwardMs']:.3f} | "
              f"{b['forwardBackwardMs'] / step:.1f}x |")


if __name__ == "__main__":
    main()
