#!/usr/bin/env -S /usr/bin/python3
"""Regenerate the GAM backward golden reference data (tests/SimAM.Gam.Tests/Golden/gam_backward_golden.json).

Only needed to regenerate the golden file; the .NET tests read the committed JSON and never need Python.
Requires Debian's PyTorch: `apt-get install -y python3-torch python3-numpy`, run with Debian's
python3 (not a pyenv/venv python without torch):

    /usr/bin/python3 tests/torch/generate_gam_backward_golden.py      (from the repository root)

The module, the variants, the weight drawing (random BatchNorm affines and running statistics, the
counters) and the number formats are those of generate_gam_golden.py, whose helpers this script
imports. One difference: the running statistics are then redrawn around the case's own batch
statistics (means and variances off by random amounts), as a trained network's are; drawn without
regard to the data, they leave the eval-mode ReLU after the first BatchNorm silencing whole hidden
channels (in the one-row case all of them), and every gradient through such a channel is zero.

Every case draws its weights, its input x and an output gradient g in float32, rounded to four
significant digits, and differentiates the loss L = sum(y * g) with autograd:

  dxEval, dxTrain         dL/dx of the module in float64 (module.double()), eval() and train() mode,
                          each from the same starting weights.
  gradsEval, gradsTrain   dL/dparameter in float64, for every trainable parameter under its PyTorch name
                          (both Linear weights and biases, both convolution weights and biases, both
                          BatchNorm weights and biases). The running statistics are buffers: no gradient.
  dxEvalTorchFloat32, gradsEvalTorchFloat32, dxTrainTorchFloat32, gradsTrainTorchFloat32
                          PyTorch's own float32 autograd of the same module, for comparison only.

In eval mode each BatchNorm is a per-channel affine map, so the bias of the convolution before it has a
nonzero gradient. In train mode that gradient is exactly zero mathematically (the batch mean removes
any per-channel constant); the file holds what autograd gives: 0 or rounding noise, at most 1e-14 in
float64 and 4e-6 in float32.

Worst PyTorch float32 error, max|float32 - float64| / max|float64| per tensor (for the convolution biases
in train mode relative to max|gradient| of the following BatchNorm's bias), over all cases:
  dx eval 3.9e-07, parameter gradients eval 7.5e-06, dx train 3.6e-07, parameter gradients train 8.6e-06.
The parameter gradients' worst cases are the BatchNorm and convolution biases (sums over every pixel with
cancellation) and the train-mode convolution biases (float32 rounding noise around zero).

File format (one JSON object, one case per line): float32 values are written as their shortest float32
decimal form (read them as float: parsing as double and then rounding to float could round twice),
float64 values as Python's shortest round-trip repr.
"""
import json
import os

import torch

from gam_module import GAM
from generate_gam_golden import COUNTERS, f32, f64, randomise, short


# name, shape [N, C, H, W], out ("C" or 1), rate, groups, channel_sigmoid, shuffle, input scale.
# The variety of generate_gam_golden.py's cases, with its c20_m5 (C and m not multiples of 4) as c12_m3: the file
# holds five numbers per weight, and c20_m5's ten thousand weights alone would make it 0.4 MB larger.
CASES = [
    ("default", [2, 16, 7, 8], "C", 4, 1, False, 0, 1.0),
    ("channel_sigmoid", [2, 8, 7, 7], "C", 4, 1, True, 0, 1.0),
    ("grouped_shuffle", [2, 32, 4, 5], "C", 4, 4, False, 4, 1.0),
    ("out1", [2, 8, 5, 7], 1, 4, 1, False, 0, 1.0),
    ("odd", [3, 8, 5, 6], "C", 4, 1, False, 0, 2.0),
    ("one_row", [1, 8, 1, 9], "C", 4, 1, False, 0, 1.0),
    ("narrow_rate2_sigmoid_shuffle2", [2, 8, 7, 3], "C", 2, 2, True, 2, 1.0),
    ("batch1", [1, 8, 9, 10], "C", 4, 1, False, 0, 0.5),
    ("batch4", [4, 8, 6, 5], "C", 4, 1, False, 0, 1.0),
    ("c12_m3", [2, 12, 5, 6], "C", 4, 1, False, 0, 1.0),
]

# The convolution bias before each BatchNorm, and that BatchNorm's bias (the scale of its train-mode error).
CONV_BIAS_SCALE = {"spatial_attention.0.bias": "spatial_attention.1.bias",
                   "spatial_attention.3.bias": "spatial_attention.4.bias"}


def match_running_statistics(module, x, generator):
    """Running statistics drawn around the batch's own, as a trained network's are: with the forward script's draw
    alone, the eval-mode ReLU after the first BatchNorm silences whole hidden channels (in one_row all of them), and
    every gradient through them would be zero. BatchNorm 1 first, then BatchNorm 2 on what eval mode feeds it."""
    sa = module.spatial_attention
    with torch.no_grad():
        a = module.channel_attention(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        z = sa[0](x * (a.sigmoid() if module.cs else a))
        for bn, following in ((sa[1], sa[2:4]), (sa[4], None)):
            mean, std = z.mean(dim=(0, 2, 3)), z.std(dim=(0, 2, 3))
            k = bn.num_features
            bn.running_mean.copy_(short(mean + 0.3 * std * torch.randn(k, generator=generator)))
            bn.running_var.copy_(short(std.square() * (0.5 + torch.rand(k, generator=generator))))
            if following is not None:
                z = following(bn.eval()(z))


def differentiate(args, kwargs, state32, x32, g32, dtype):
    """dL/dx and dL/dparameters in eval mode, then in train mode from the same starting weights."""
    module = GAM(*args, **kwargs).to(dtype)
    module.load_state_dict({k: v.to(dtype) if v.is_floating_point() else v for k, v in state32.items()})
    g = g32.to(dtype)
    results = {}
    for mode in ("eval", "train"):
        module.train(mode == "train")
        module.zero_grad(set_to_none=True)
        x = x32.to(dtype, copy=True).requires_grad_()
        (module(x) * g).sum().backward()
        results[mode] = x.grad, {name: p.grad for name, p in module.named_parameters()}
    return results


def relative_errors(mode, got, ref):
    """max|float32 - float64| / scale for dx and each parameter gradient; scale max|float64| of the tensor, or of the
    following BatchNorm's bias gradient for a convolution bias in train mode."""
    (dx32, grads32), (dx64, grads64) = got, ref

    def error(a, b, scale):
        return ((a.to(torch.float64) - b).abs().max() / scale.abs().max()).item()

    dx = error(dx32, dx64, dx64)
    grads = {}
    for name, g64 in grads64.items():
        scale = grads64[CONV_BIAS_SCALE[name]] if mode == "train" and name in CONV_BIAS_SCALE else g64
        grads[name] = error(grads32[name], g64, scale)
    return dx, grads


def make_case(spec, generator):
    name, shape, out, rate, groups, channel_sigmoid, shuffle, scale = spec
    n, c, h, w = shape
    out = c if out == "C" else out
    args, kwargs = (c, out), dict(rate=rate, groups=groups, channel_sigmoid=channel_sigmoid, shuffle=shuffle)
    module32 = GAM(*args, **kwargs)
    randomise(module32, generator)
    x32 = short(torch.randn(shape, generator=generator) * scale)
    match_running_statistics(module32, x32, generator)
    state = module32.state_dict()
    g32 = short(torch.randn(shape, generator=generator))

    ref = differentiate(args, kwargs, state, x32, g32, torch.float64)
    got = differentiate(args, kwargs, state, x32, g32, torch.float32)

    def grads(d):
        return "{" + ",".join(f"{json.dumps(k)}:{d[k]}" for k in d) + "}"

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
        ("g", f32(g32.numpy())),
    ]
    for mode in ("eval", "train"):
        title = mode.capitalize()
        fields += [
            (f"dx{title}", f64(ref[mode][0].numpy())),
            (f"grads{title}", grads({k: f64(v.numpy()) for k, v in ref[mode][1].items()})),
            (f"dx{title}TorchFloat32", f32(got[mode][0].numpy())),
            (f"grads{title}TorchFloat32", grads({k: f32(v.numpy()) for k, v in got[mode][1].items()})),
        ]

    errors = {}
    for mode in ("eval", "train"):
        dx, per_parameter = relative_errors(mode, got[mode], ref[mode])
        worst = max(per_parameter, key=per_parameter.get)
        errors[mode] = dx, per_parameter[worst], worst
    conv_bias = max(ref["train"][1][k].abs().max().item() for k in CONV_BIAS_SCALE)
    size = sum(v.numel() for v in tensors.values())
    print(f"{full:38s} m={m:2d} out={out:2d} g={groups} weights={size:5d} x={x32.numel():4d}  "
          + "  ".join(f"{mode}: dx {e[0]:.1e} grads {e[1]:.1e} ({e[2]})" for mode, e in errors.items())
          + f"  train conv bias grads float64 <= {conv_bias:.0e}")
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in fields) + "}", errors


def main():
    torch.manual_seed(20211210)
    generator = torch.Generator().manual_seed(2112_05561)
    lines, worst = [], {"eval": [0.0, 0.0], "train": [0.0, 0.0]}
    for spec in CASES:
        line, errors = make_case(spec, generator)
        lines.append(line)
        for mode, (dx, grads, _) in errors.items():
            worst[mode] = [max(worst[mode][0], dx), max(worst[mode][1], grads)]
    print("worst PyTorch float32 error relative to max|float64|: "
          + ", ".join(f"dx {mode} {w[0]:.1e}, parameter gradients {mode} {w[1]:.1e}" for mode, w in worst.items()))

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "SimAM.Gam.Tests", "Golden", "gam_backward_golden.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write('{"generator": "tests/torch/generate_gam_backward_golden.py", "torch": %s, "cases": [\n'
                % json.dumps(torch.__version__))
        f.write(",\n".join(lines))
        f.write("\n]}\n")
    print(f"wrote {os.path.relpath(path, root)} ({os.path.getsize(path)} bytes, {len(lines)} cases)")


if __name__ == "__main__":
    main()
