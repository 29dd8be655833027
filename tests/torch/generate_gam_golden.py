#!/usr/bin/env -S /usr/bin/python3
"""Regenerate the GAM golden reference data (tests/SimAM.Gam.Tests/Golden/gam_golden.json).

Only needed to regenerate the golden file; the .NET tests read the committed JSON and never need Python.
Requires Debian's PyTorch: `apt-get install -y python3-torch python3-numpy`, run with Debian's
python3 (not a pyenv/venv python without torch):

    /usr/bin/python3 tests/torch/generate_gam_golden.py      (from the repository root)

The module is the widely copied PyTorch GAM class (there is no official repository) with the two
variant switches the project supports: channel_sigmoid (the paper's sigmoid on the channel map) and
shuffle (a channel shuffle of the spatial map, for the grouped variant). Every case draws its weights
and its input in float32, rounded to four significant digits to keep the file small (so a float32
engine and the float64 reference see the very same numbers), then evaluates:

  yEval, yTrain           the module in float64 (module.double()), eval() and train() mode, each from
                          the same starting weights; runningAfterTrain and batchesTrackedAfterTrain are
                          the BatchNorm buffers after the train-mode step.
  yEvalTorchFloat32,      PyTorch's own float32 evaluation of the same module, for comparison only.
  yTrainTorchFloat32

The BatchNorms are not left at PyTorch's default initialisation (gamma 1, beta 0, running mean 0,
running variance 1): gamma, beta and the running statistics are random, so that neither mode's
normalisation is the identity. The counters start at different values per BatchNorm.

File format (one JSON object, one case per line): float32 values are written as their shortest float32
decimal form (read them as float: parsing as double and then rounding to float could round twice),
float64 values as Python's shortest round-trip repr.
"""
import json
import os

import numpy as np
import torch

from gam_module import GAM


# name, shape [N, C, H, W], out ("C" or 1), rate, groups, channel_sigmoid, shuffle, input scale
CASES = [
    ("default", [2, 16, 8, 9], "C", 4, 1, False, 0, 1.0),
    ("channel_sigmoid", [2, 8, 7, 7], "C", 4, 1, True, 0, 1.0),
    ("grouped_shuffle", [2, 32, 4, 5], "C", 4, 4, False, 4, 1.0),
    ("out1", [2, 16, 5, 7], 1, 4, 1, False, 0, 1.0),
    ("odd", [3, 8, 5, 6], "C", 4, 1, False, 0, 2.0),
    ("one_row", [1, 12, 1, 9], "C", 4, 1, False, 0, 1.0),
    ("narrow_rate2_sigmoid_shuffle2", [2, 8, 7, 3], "C", 2, 2, True, 2, 1.0),
    ("batch1", [1, 8, 9, 10], "C", 4, 1, False, 0, 0.5),
    ("batch4", [4, 8, 6, 5], "C", 4, 1, False, 0, 1.0),
    ("c20_m5", [2, 20, 5, 6], "C", 4, 1, False, 0, 1.0),
]

COUNTERS = (3, 11)  # num_batches_tracked of the two BatchNorms before the step


def f32(values):
    # numpy's str of a float32 is the shortest decimal that reads back as the same float32.
    return "[" + ",".join(str(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)) + "]"


def f64(values):
    return "[" + ",".join(repr(float(v)) for v in np.asarray(values, dtype=np.float64).reshape(-1)) + "]"


def short(t):
    """The float32 nearest to each value rounded to four significant decimal digits."""
    return torch.from_numpy(np.array([float(f"{v:.4g}") for v in t.reshape(-1).tolist()], dtype=np.float32)).reshape(t.shape)


def randomise(module, generator):
    """Random float32 weights: PyTorch's default initialisation, then random BatchNorm affines and statistics."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias"):
                # The default bias is small but nonzero already; make it clearly so.
                p.copy_((torch.rand(p.shape, generator=generator) - 0.5) * 0.6)
        for bn in (module.spatial_attention[1], module.spatial_attention[4]):
            k = bn.num_features
            sign = torch.where(torch.rand(k, generator=generator) < 0.2, -1.0, 1.0)
            bn.weight.copy_(sign * (0.5 + torch.rand(k, generator=generator)))
            bn.bias.copy_(torch.randn(k, generator=generator) * 0.5)
            bn.running_mean.copy_(torch.randn(k, generator=generator) * 0.3)
            bn.running_var.copy_(0.3 + 1.5 * torch.rand(k, generator=generator))
        # Four significant digits keep the file small; the values are still arbitrary float32 numbers.
        for t in list(module.parameters()) + [bn.running_mean, bn.running_var]:
            t.copy_(short(t))
        module.spatial_attention[1].num_batches_tracked.fill_(COUNTERS[0])
        module.spatial_attention[4].num_batches_tracked.fill_(COUNTERS[1])


def evaluate(args, kwargs, state32, x32, dtype):
    """y in eval mode, then y in train mode from the same starting state, and the buffers after the step."""
    module = GAM(*args, **kwargs).to(dtype)
    module.load_state_dict({k: v.to(dtype) if v.is_floating_point() else v for k, v in state32.items()})
    x = x32.to(dtype)
    with torch.no_grad():
        module.eval()
        y_eval = module(x)
        module.train()
        y_train = module(x)
    return y_eval, y_train, module.state_dict()


BUFFERS = [
    "spatial_attention.1.running_mean", "spatial_attention.1.running_var",
    "spatial_attention.4.running_mean", "spatial_attention.4.running_var",
]


def make_case(spec, generator):
    name, shape, out, rate, groups, channel_sigmoid, shuffle, scale = spec
    n, c, h, w = shape
    out = c if out == "C" else out
    args, kwargs = (c, out), dict(rate=rate, groups=groups, channel_sigmoid=channel_sigmoid, shuffle=shuffle)
    module32 = GAM(*args, **kwargs)
    randomise(module32, generator)
    state = module32.state_dict()
    x32 = short(torch.randn(shape, generator=generator) * scale)

    y_eval, y_train, after = evaluate(args, kwargs, state, x32, torch.float64)
    y_eval32, y_train32, _ = evaluate(args, kwargs, state, x32, torch.float32)

    tensors = {k: v for k, v in state.items() if v.is_floating_point()}
    m = int(c / rate)
    full = f"{name}_{'x'.join(map(str, shape))}"
    fields = [
        ("name", json.dumps(full)),
        ("channels", str(c)), ("hidden", str(m)), ("outChannels", str(out)), ("rate", str(rate)), ("groups", str(groups)),
        ("channelSigmoid", json.dumps(channel_sigmoid)), ("shuffleGroups", str(shuffle)),
        ("shape", json.dumps(shape)),
        ("weightShapes", "{" + ",".join(f"{json.dumps(k)}:{json.dumps(list(v.shape))}" for k, v in tensors.items()) + "}"),
        ("weights", "{" + ",".join(f"{json.dumps(k)}:{f32(v.numpy())}" for k, v in tensors.items()) + "}"),
        ("batchesTracked", json.dumps(list(COUNTERS))),
        ("x", f32(x32.numpy())),
        ("yEval", f64(y_eval.numpy())),
        ("yTrain", f64(y_train.numpy())),
        ("runningAfterTrain", "{" + ",".join(f"{json.dumps(k)}:{f64(after[k].numpy())}" for k in BUFFERS) + "}"),
        ("batchesTrackedAfterTrain", json.dumps([int(after["spatial_attention.1.num_batches_tracked"]),
                                                 int(after["spatial_attention.4.num_batches_tracked"])])),
        ("yEvalTorchFloat32", f32(y_eval32.numpy())),
        ("yTrainTorchFloat32", f32(y_train32.numpy())),
    ]

    def relative(y32, y64):
        return ((y32.to(torch.float64) - y64).abs().max() / y64.abs().max()).item()

    errors = (relative(y_eval32, y_eval), relative(y_train32, y_train))
    print(f"{full:40s} m={m:2d} out={out:2d} g={groups} weights={sum(v.numel() for v in tensors.values()):5d} "
          f"x={x32.numel():5d}  float32 vs float64, max|dy|/max|y|: eval {errors[0]:.2e}  train {errors[1]:.2e}")
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in fields) + "}", errors


def main():
    torch.manual_seed(20211210)
    generator = torch.Generator().manual_seed(2112_05561)
    lines, worst = [], 0.0
    for spec in CASES:
        line, errors = make_case(spec, generator)
        lines.append(line)
        worst = max(worst, *errors)
    print(f"worst PyTorch float32 error relative to max|y64|: {worst:.2e}")

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "SimAM.Gam.Tests", "Golden", "gam_golden.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write('{"generator": "tests/torch/generate_gam_golden.py", "torch": %s, "cases": [\n'
                % json.dumps(torch.__version__))
        f.write(",\n".join(lines))
        f.write("\n]}\n")
    print(f"wrote {os.path.relpath(path, root)} ({os.path.getsize(path)} bytes, {len(lines)} cases)")


if __name__ == "__main__":
    main()
