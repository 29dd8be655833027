#!/usr/bin/env -S /usr/bin/python3
"""Exports the PyTorch GAM module in eval mode to ONNX, for the benchmarks' ONNX Runtime comparison.

Needs PyTorch and onnx (Debian: apt-get install python3-torch python3-onnx); optional, CI never runs it.
The .onnx files hold the weights (about 25*C^2 floats for the default module: 26 MB at C = 512), so
they are not committed: the benchmark tooling runs this script and keeps the files out of git.

    /usr/bin/python3 benchmarks/torch/export_gam_onnx.py --channels 64 --output gam64.onnx
    /usr/bin/python3 benchmarks/torch/export_gam_onnx.py --channels 512 --rate 4 --groups 4 --shuffle 4 \\
        --weights gam512.safetensors --output gam512_grouped.onnx

The module is the widely copied PyTorch GAM class (the same as tests/torch/generate_gam_golden.py).
Weights come from a .safetensors or .npz file under PyTorch's state_dict names (float32, float64, float16
or bfloat16; every name and shape is checked against the module), or, without --weights, from PyTorch's
default initialisation with random BatchNorm statistics (--seed); --save-weights writes the weights
used as float32 safetensors, so that the .NET side can load the very same ones. The graph is exported
in float32 with opset 13 by default, dynamic batch, height and width (input "x" [N, C, H, W], output
"y"), and checked with onnx.checker before the script returns.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "torch"))
from gam_module import GAM  # noqa: E402  (the one definition of the module)


# safetensors: 8 bytes little-endian header length N, N bytes of JSON, then the data; offsets are
# relative to the end of the header. Written by hand: the safetensors package is not a dependency.
DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "BF16": "<u2"}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors header length")
    (header_length,) = struct.unpack("<Q", data[:8])
    if header_length > len(data) - 8:
        raise ValueError(f"{path}: header length {header_length} runs past the end of the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + header_length].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    body = memoryview(data)[8 + header_length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in DTYPES:
            raise ValueError(f"{path}: {name} has dtype {dtype!r}; supported: {', '.join(DTYPES)}")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise ValueError(f"{path}: {name} has shape {shape!r}, not a list of non-negative integers")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= len(body)):
            raise ValueError(f"{path}: {name} has data_offsets {offsets!r} outside the {len(body)} data bytes")
        item = np.dtype(DTYPES[dtype]).itemsize
        if offsets[1] - offsets[0] != math.prod(shape) * item:
            raise ValueError(f"{path}: {name} is {offsets[1] - offsets[0]} bytes but shape {shape} of {dtype} needs "
                             f"{math.prod(shape) * item}")
        values = np.frombuffer(body[offsets[0]:offsets[1]], dtype=DTYPES[dtype]).reshape(shape)
        if dtype == "BF16":  # the high half of a float32
            values = (values.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = values
    return tensors


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        values = np.array(tensors[name], order="C")  # keeps 0-d counters 0-d (ascontiguousarray would not)
        dtype = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int64"): "I64"}[values.dtype]
        raw = values.astype(values.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(values.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the safetensors writer does it
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def load_weights(path):
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    raise ValueError(f"{path}: expected a .safetensors or .npz file")


def apply_weights(module, tensors, path):
    state = module.state_dict()
    missing = sorted(set(k for k in state if not k.endswith("num_batches_tracked")) - set(tensors))
    unexpected = sorted(set(tensors) - set(state))
    if missing or unexpected:
        raise ValueError(f"{path}: missing {missing}, unexpected {unexpected}")
    for name, values in tensors.items():
        if list(values.shape) != list(state[name].shape):
            raise ValueError(f"{path}: {name} has shape {list(values.shape)}, the module needs {list(state[name].shape)}")
        state[name] = torch.from_numpy(np.array(values)).to(state[name].dtype)
    module.load_state_dict(state)


def randomise_norms(module, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for bn in (module.spatial_attention[1], module.spatial_attention[4]):
            k = bn.num_features
            bn.weight.copy_(0.5 + torch.rand(k, generator=generator))
            bn.bias.copy_(torch.randn(k, generator=generator) * 0.5)
            bn.running_mean.copy_(torch.randn(k, generator=generator) * 0.3)
            bn.running_var.copy_(0.3 + 1.5 * torch.rand(k, generator=generator))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, required=True, help="C, the input channels")
    parser.add_argument("--rate", type=float, default=4, help="m = int(C / rate) (default 4)")
    parser.add_argument("--groups", type=int, default=1, help="groups of both convolutions (default 1)")
    parser.add_argument("--out", type=int, default=None, help="the spatial map's channels: C (default) or 1")
    parser.add_argument("--channel-sigmoid", action="store_true", help="sigmoid on the channel map (the paper's form)")
    parser.add_argument("--shuffle", type=int, default=0, help="channel-shuffle groups of the spatial map (0: none)")
    parser.add_argument("--weights", help=".safetensors or .npz file under PyTorch's state_dict names")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights when --weights is not given")
    parser.add_argument("--save-weights", help="also write the weights used to this .safetensors file (float32)")
    parser.add_argument("--output", required=True, help="the .onnx file to write")
    parser.add_argument("--opset", type=int, default=13, help="ONNX opset (13 to 17 with PyTorch 1.13; default 13)")
    parser.add_argument("--sample-shape", default="1,{C},14,14",
                        help="N,C,H,W of the tracing input (default 1,C,14,14); N, H and W stay dynamic in the graph")
    args = parser.parse_args(argv)

    c = args.channels
    rate = int(args.rate) if float(args.rate).is_integer() else args.rate
    out = c if args.out is None else args.out
    m = int(c / rate)
    if m < 1 or out not in (c, 1) or c % args.groups or m % args.groups or out % args.groups:
        parser.error(f"C = {c}, m = {m}, out = {out}, groups = {args.groups}: need m >= 1, out = C or 1, and groups dividing C, m and out")
    if args.shuffle < 0 or (args.shuffle and out % args.shuffle):
        parser.error(f"--shuffle {args.shuffle} must be 0 or divide out = {out}")

    torch.manual_seed(args.seed)
    module = GAM(c, out, rate=rate, groups=args.groups, channel_sigmoid=args.channel_sigmoid, shuffle=args.shuffle)
    if args.weights:
        apply_weights(module, load_weights(args.weights), args.weights)
    else:
        randomise_norms(module, args.seed)
    module = module.float().eval()

    if args.save_weights:
        write_safetensors(args.save_weights, {k: v.numpy() for k, v in module.state_dict().items()})

    shape = [int(d) for d in args.sample_shape.replace("{C}", str(c)).split(",")]
    if len(shape) != 4 or shape[1] != c:
        parser.error(f"--sample-shape {shape} must be [N, {c}, H, W]")
    x = torch.randn(shape)
    axes = {0: "N", 2: "H", 3: "W"}
    with torch.no_grad():
        torch.onnx.export(module, x, args.output, opset_version=args.opset, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": axes, "y": axes}, do_constant_folding=True)

    import onnx  # noqa: E402 (only needed once the file exists)

    model = onnx.load(args.output)
    onnx.checker.check_model(model)
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes): GAM(C={c}, out={out}, rate={rate}, "
          f"groups={args.groups}, channel_sigmoid={args.channel_sigmoid}, shuffle={args.shuffle}), "
          f"opset {args.opset}, input x {dims}, {len(model.graph.node)} nodes; onnx.checker passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
