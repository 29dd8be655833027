#!/usr/bin/env -S /usr/bin/python3
"""Regenerate the SimAM golden reference data (tests/SimAM.Cpu.Tests/Golden/simam_golden.json).

Only needed to regenerate the golden file; the .NET tests read the committed JSON and never need Python.
Requires Debian's PyTorch: `apt-get install -y python3-torch python3-numpy`, run with Debian's
python3 (not a pyenv/venv python without torch):

    /usr/bin/python3 tests/torch/generate_golden.py      (from the repository root)

The reference is the authors' simam_module (Yang et al., ICML 2021), generalised to any number of
spatial dims. Inputs and gradOutput are drawn in float32; the reference y and gradInput are computed
in float64 (autograd) from those exact float32 values. PyTorch's own float32 evaluation
(yTorchFloat32, gradInputTorchFloat32) is included for comparison only.
"""
import json
import os

import numpy as np
import torch


def simam(x, lam):
    dims = tuple(range(2, x.dim()))
    n = 1
    for d in dims:
        n *= x.shape[d]
    n -= 1
    d = (x - x.mean(dim=dims, keepdim=True)).pow(2)
    y = d / (4 * (d.sum(dim=dims, keepdim=True) / n + lam)) + 0.5
    return x * torch.sigmoid(y)


def f32list(t):
    # repr of the python float of each float32 value: exact float32 value written as a double.
    return [float(np.float32(v)) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def f64list(t):
    # python float repr is the shortest round-trip representation of the double.
    return [float(v) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def forward_backward(x, g, lam):
    x = x.clone().requires_grad_(True)
    y = simam(x, lam)
    (dx,) = torch.autograd.grad((g * y).sum(), x)
    return y, dx


def make_case(name, shape, lam, scale=1.0, offset=0.0):
    # lambda is rounded to float32 so the .NET float32 engine and the float64 reference use the
    # identical value: the JSON holds float(np.float32(lam)) and the float64 reference uses it too.
    lam32 = float(np.float32(lam))
    x32 = (torch.randn(*shape, dtype=torch.float32) * scale + offset).to(torch.float32)
    g32 = torch.randn(*shape, dtype=torch.float32)
    y64, dx64 = forward_backward(x32.to(torch.float64), g32.to(torch.float64), lam32)
    y32, dx32 = forward_backward(x32, g32, lam32)
    case = {
        "name": name,
        "shape": list(shape),
        "lambda": lam32,
        "x": f32list(x32),
        "gradOutput": f32list(g32),
        "y": f64list(y64),
        "gradInput": f64list(dx64),
        "yTorchFloat32": f32list(y32),
        "gradInputTorchFloat32": f32list(dx32),
    }
    fwd = (y32.to(torch.float64) - y64).abs().max().item()
    bwd = (dx32.to(torch.float64) - dx64).abs().max().item()
    print(f"{name:32s} max|y32-y64|={fwd:.3e}  max|dx32-dx64|={bwd:.3e}")
    return case


def main():
    torch.manual_seed(20210718)
    # (shape, scale, offset) for the regular cases; each is run with lambda 1e-4 and 0.1.
    shapes = [
        ([1, 1, 7, 7], 1.0, 0.0),
        ([2, 3, 7, 7], 2.0, 0.5),
        ([1, 2, 1, 2], 1.0, 0.0),
        ([2, 3, 5, 3], 3.0, -1.0),
        ([1, 4, 11, 13], 0.5, 0.25),
        ([2, 3, 17], 1.5, 0.0),
        ([1, 2, 3, 4, 5], 1.0, 2.0),
        ([1, 2, 31], 10.0, 0.0),
    ]
    cases = []
    for shape, scale, offset in shapes:
        for lam in (1e-4, 0.1):
            name = "x".join(str(s) for s in shape) + f"_lam{lam:g}"
            cases.append(make_case(name, shape, lam, scale, offset))
    cases.append(make_case("offset100_1x2x9x9_lam0.0001", [1, 2, 9, 9], 1e-4, 1.0, 100.0))
    cases.append(make_case("offset5_small_1x1x16x16_lam0.0001", [1, 1, 16, 16], 1e-4, 0.01, 5.0))

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "SimAM.Cpu.Tests", "Golden", "simam_golden.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write('{"generator": "tests/torch/generate_golden.py", "torch": %s, "cases": [\n'
                % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
