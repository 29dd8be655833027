#!/usr/bin/env -S /usr/bin/python3
"""Measures the memory PyTorch autograd keeps for the GAM module's backward: the tensors saved by the forward.

Needs PyTorch (Debian: apt-get install python3-torch); optional, CI never runs it. From the repository root:

    /usr/bin/python3 benchmarks/torch/gam_saved_bytes.py [--shape 8,256,28,28]

One float32 forward of the module (tests/torch/gam_module.py) per variant (default; grouped: groups 4,
channel shuffle 4) and mode (train: batch statistics; eval: running statistics), the input x requiring
grad as it does inside a network, under torch.autograd.graph.saved_tensors_hooks: every tensor autograd
saves for the backward passes through the pack hook, which records its storage. Each distinct storage
(by the data pointer of its untyped storage) counts once, with its whole size:

  saved          every saved storage, the parameters included
  without x      less the storages shared with x (x itself and its views: the caller keeps x anyway)
  activations    less the parameters too (what the batch adds; the only column that grows with N)

All three are divided by N (bytes per sample), and the activations are also given in units of x's own size.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "torch"))
from gam_module import GAM  # noqa: E402  (the one definition of the module)

VARIANTS = [("default", dict(rate=4, groups=1, shuffle=0)), ("grouped", dict(rate=4, groups=4, shuffle=4))]


def untyped_storage(t):
    # Tensor.untyped_storage() from PyTorch 2.0 on; Tensor._storage() before.
    return t.untyped_storage() if hasattr(t, "untyped_storage") else t._storage()


def saved_storages(module, x):
    """{data pointer: bytes} of the storages autograd saves in one forward of module on x."""
    storages = {}

    def pack(t):
        s = untyped_storage(t)
        storages[s.data_ptr()] = s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = module(x)
    return storages, y


def measure(shape, variant, mode, seed=1):
    n, c, h, w = shape
    torch.manual_seed(seed)
    module = GAM(c, c, **variant).train(mode == "train")
    x = torch.randn(shape).requires_grad_()
    storages, y = saved_storages(module, x)
    x_ptr = untyped_storage(x).data_ptr()
    parameters = {untyped_storage(p).data_ptr() for p in module.parameters()}
    saved = sum(storages.values())
    without_x = saved - storages.get(x_ptr, 0)
    activations = without_x - sum(b for ptr, b in storages.items() if ptr in parameters)
    y.backward(torch.ones_like(y))  # the graph is complete: the saved tensors suffice for a backward
    return {"saved": saved / n, "without_x": without_x / n, "activations": activations / n,
            "storages": len(storages), "x": x.numel() * x.element_size() / n}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="8,256,28,28", help="N,C,H,W (default 8,256,28,28)")
    args = parser.parse_args()
    shape = [int(v) for v in args.shape.split(",")]
    torch.set_grad_enabled(True)

    print(f"PyTorch {torch.__version__}, float32, x {shape}, bytes per sample (/ N = {shape[0]}); KiB = 1024 bytes")
    print()
    print("| variant | mode | storages | saved KiB | without x KiB | activations KiB | activations / x |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    x_bytes = None
    for name, variant in VARIANTS:
        for mode in ("train", "eval"):
            r = measure(shape, variant, mode)
            x_bytes = r["x"]
            print(f"| {name} | {mode} | {r['storages']} | {r['saved'] / 1024:.1f} | {r['without_x'] / 1024:.1f} | "
                  f"{r['activations'] / 1024:.1f} | {r['activations'] / r['x']:.2f} |")
    print()
    print(f"x itself: {x_bytes / 1024:.1f} KiB per sample ({x_bytes:.0f} bytes)")


if __name__ == "__main__":
    main()
