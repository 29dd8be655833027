#!/usr/bin/env -S /usr/bin/python3
"""Regenerate the GAM weight-file fixtures (tests/SimAM.Gam.Tests/Golden/weights/).

Only needed to regenerate them; the .NET tests read the committed files and never need Python.
Requires Debian's PyTorch and numpy (`apt-get install -y python3-torch python3-numpy`), run with
Debian's python3 from the repository root:

    /usr/bin/python3 tests/torch/make_gam_weight_files.py

Each model is the widely copied PyTorch GAM class (written out below), trained for a few
SGD steps in train mode so that the weights, the BatchNorm running statistics and num_batches_tracked
are all non-trivial. Its state_dict is then saved

- as safetensors, by the minimal writer below (the `safetensors` package is not needed): it lays the
  file out as the reference writer does (tensors sorted by dtype, largest alignment first, then by
  name; compact JSON with __metadata__ first; header padded with spaces to a multiple of 8 bytes);
- as .npz, by np.savez (stored entries) or np.savez_compressed (deflated entries);
- as a JSON summary (sizes, counters, and per tensor its shape, first values, float64 sum and sum of
  squares), an independent reference of the values.
"""
import json
import os

import numpy as np
import torch

from gam_module import GAM

OUT = os.path.join("tests", "SimAM.Gam.Tests", "Golden", "weights")


def trained(c, out, rate, groups, steps, seed):
    torch.manual_seed(seed)
    model = GAM(c, out, rate, groups)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for _ in range(steps):
        x = torch.randn(2, c, 6, 6)
        loss = model(x).square().mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.state_dict()


DTYPES = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
# The reference implementation's dtype order; its writer sorts by it, descending.
ALIGNMENT_RANK = {"F16": 0, "BF16": 1, "F32": 2, "F64": 3, "I64": 4}


def raw_bytes(tensor):
    tensor = tensor.contiguous()
    if tensor.dtype == torch.bfloat16:
        return tensor.view(torch.int16).numpy().tobytes()
    return tensor.numpy().tobytes()


def save_safetensors(path, state, metadata=None):
    metadata = {"format": "pt"} if metadata is None else metadata
    items = sorted(state.items(), key=lambda kv: (-ALIGNMENT_RANK[DTYPES[kv[1].dtype]], kv[0]))
    header = {"__metadata__": metadata}
    data = []
    offset = 0
    for name, tensor in items:
        content = raw_bytes(tensor)
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(content)]}
        offset += len(content)
        data.append(content)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for content in data:
            f.write(content)


def save_summary(path, state, sizes):
    tensors = {}
    for name, tensor in state.items():
        values = tensor.detach().to(torch.float64).reshape(-1).numpy()
        tensors[name] = {
            "shape": list(tensor.shape),
            "head": [float(v) for v in values[:4]],
            "sum": float(np.sum(values)),
            "sumsq": float(np.sum(values * values)),
        }
    # One line per tensor: short enough to read, small enough to commit.
    lines = [f'  "{name}": {json.dumps(entry)}' for name, entry in tensors.items()]
    with open(path, "w") as f:
        f.write('{\n "sizes": ' + json.dumps(sizes) + ',\n "tensors": {\n' + ",\n".join(lines) + "\n }\n}\n")


def numpy_state(state):
    return {k: v.numpy() for k, v in state.items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    path = lambda name: os.path.join(OUT, name)

    # C = 8, rate 4 (m = 2), out = C, one group: float32, and the same state in float16 and bfloat16.
    state = trained(8, 8, 4, 1, steps=3, seed=1)
    save_safetensors(path("gam_c8.safetensors"), state)
    np.savez(path("gam_c8.npz"), **numpy_state(state))
    save_summary(path("gam_c8.json"), state, {"channels": 8, "hidden": 2, "outChannels": 8, "groups": 1})
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
    save_safetensors(path("gam_c8_f16.safetensors"), half)
    np.savez(path("gam_c8_f16.npz"), **numpy_state(half))
    save_safetensors(path("gam_c8_bf16.safetensors"), {k: (v.bfloat16() if v.is_floating_point() else v) for k, v in state.items()})

    # The grouped variant: C = 16, rate 4 (m = 4), groups = 4; .npz with deflated entries.
    state = trained(16, 16, 4, 4, steps=2, seed=2)
    save_safetensors(path("gam_c16_g4.safetensors"), state)
    np.savez_compressed(path("gam_c16_g4.npz"), **numpy_state(state))
    save_summary(path("gam_c16_g4.json"), state, {"channels": 16, "hidden": 4, "outChannels": 16, "groups": 4})

    # One spatial map for all channels (out = 1), in float64.
    state = {k: (v.double() if v.is_floating_point() else v) for k, v in trained(8, 1, 4, 1, steps=1, seed=3).items()}
    save_safetensors(path("gam_c8_out1_f64.safetensors"), state)
    np.savez(path("gam_c8_out1_f64.npz"), **numpy_state(state))
    save_summary(path("gam_c8_out1_f64.json"), state, {"channels": 8, "hidden": 2, "outChannels": 1, "groups": 1})


if __name__ == "__main__":
    main()
