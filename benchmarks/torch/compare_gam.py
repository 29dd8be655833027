#!/usr/bin/env -S /usr/bin/python3
"""Regenerates the README's GAM results table: the GAM module against ONNX Runtime and PyTorch eager.

One command, from the repository root (needs the .NET SDK, and Debian's python3-torch and python3-onnx):
  /usr/bin/python3 benchmarks/torch/compare_gam.py [--quick]

For every case of `simam gam bench` (the six shapes and variants of the issue), in a temporary directory:
  1. weights from `simam gam init --seed 1` (the weights `simam gam bench` times), saved as .safetensors;
  2. the same module exported to ONNX by export_gam_onnx.py from that file;
  3. `simam gam bench --json`: the GAM module's eval and train forward times, GFLOP/s and share of the FMA peak;
  4. `gam-compare` of the benchmarks project: the GAM module's eval forward against ONNX Runtime (graph
     optimisations on) in one process, interleaved rounds; it saves the input and the GAM outputs;
  5. PyTorch eager on the same weights (state_dict from the same .safetensors file) and input,
     torch.set_num_threads(number of cores): eval forward under torch.no_grad(), and train-mode
     forward (batch statistics, running statistics updated) under torch.no_grad() -- the work the
     GAM module's train forward does, which records no autograd graph either; the train forward with
     autograd recording is measured too and kept in --json; and a training step: train-mode forward with
     autograd, then backward with every parameter's gradient and dL/dx (bench_gam_train_step.py's step),
     against `simam gam bench`'s train_step_ms (forward keeping activations + backward, the weights counted as changed
     before every forward pass, as after an optimizer step), with the backward's weight and data gradients from its
     backward_split_ms.
Then one Markdown table (and the outputs' agreement) is printed. Timings are medians; the ORT ratio is
same-process, the PyTorch ratios compare this script's medians with those of `simam gam bench`.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import allocator  # noqa: E402
import export_gam_onnx  # noqa: E402 (the GAM class, the safetensors reader and the exporter)

BENCH_PROJECT = os.path.join(ROOT, "benchmarks", "SimAM.Benchmarks")
BENCH_DLL = os.path.join(BENCH_PROJECT, "bin", "Release", "net10.0", "SimAM.Benchmarks.dll")
CLI_DLL = os.path.join(ROOT, "src", "SimAM.Cli", "bin", "Release", "net10.0", "SimAM.Cli.dll")


def run(command, quiet, env=None):
    """Runs a command; its output is shown unless quiet, and shown anyway when it fails."""
    # PyTorch runs in this process, with glibc's allocator settings; the .NET tools run with the defaults.
    env = {**allocator.default_environment(), **(env or {})}
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0 or not quiet:
        sys.stderr.write(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(command)}")
    return result.stdout


def median_ms(steps, warmup, min_rounds, max_rounds, budget_s):
    """Interleaved rounds, as the .NET side's Timing: every step once per round; the median of each step."""
    for step in steps:
        for _ in range(warmup):
            step()
    samples = [[] for _ in steps]
    total, rounds = 0.0, 0
    while rounds < min_rounds or (total < budget_s * len(steps) and rounds < max_rounds):
        for k, step in enumerate(steps):
            start = time.perf_counter()
            step()
            elapsed = time.perf_counter() - start
            samples[k].append(elapsed * 1000)
            total += elapsed
        rounds += 1
    return [statistics.median(s) for s in samples]


def relative_difference(a, b):
    """max |a - b| / max |b|."""
    scale = float(np.max(np.abs(b)))
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) / scale if scale else float("nan")


def time_pytorch(case, directory, quick, threads):
    import torch

    torch.set_num_threads(threads)
    name = case["name"]
    c = case["shape"][1]
    module = export_gam_onnx.GAM(c, c, rate=case["rate"], groups=case["groups"], shuffle=case["shuffle_groups"])
    weights = os.path.join(directory, name + ".safetensors")
    export_gam_onnx.apply_weights(module, export_gam_onnx.read_safetensors(weights), weights)
    module = module.float()
    x = torch.from_numpy(np.load(os.path.join(directory, name + ".input.npy")))
    if list(x.shape) != case["shape"]:
        raise SystemExit(f"{name}: the saved input has shape {list(x.shape)}")

    # The outputs first, before any train-mode call has moved the running statistics.
    with torch.no_grad():
        y_eval = module.eval()(x).numpy()
        y_train = module.train()(x).numpy()
    accuracy = {
        "gam_vs_pytorch_eval": relative_difference(np.load(os.path.join(directory, name + ".gam-eval.npy")), y_eval),
        "gam_vs_pytorch_train": relative_difference(np.load(os.path.join(directory, name + ".gam-train.npy")), y_train),
    }

    def evaluate():
        module.eval()
        with torch.no_grad():
            module(x)

    def train():
        module.train()
        with torch.no_grad():
            module(x)

    def train_autograd():
        module.train()
        module(x)

    x_grad = x.clone().requires_grad_()
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(2))

    def train_step():
        module.train()
        module.zero_grad(set_to_none=True)
        x_grad.grad = None
        module(x_grad).backward(g)

    rounds = (3, 5, 15, 0.15) if quick else (3, 9, 41, 0.3)
    eval_ms, train_ms, autograd_ms, step_ms = median_ms([evaluate, train, train_autograd, train_step], *rounds)
    return {"pytorch_eval_ms": eval_ms, "pytorch_train_ms": train_ms, "pytorch_train_autograd_ms": autograd_ms,
            "pytorch_train_step_ms": step_ms, **accuracy}


def merge(runs):
    """One record per key: every number the median over the runs, everything else from the last run."""
    merged = {}
    for k, last in runs[-1].items():
        merged[k] = {field: statistics.median(run[k][field] for run in runs)
                     if isinstance(value, float) and all(run[k][field] is not None for run in runs) else value
                     for field, value in last.items()}
    return merged


def flatten_split(record):
    """The backward pass's split as numbers of the record itself (`split_<part>_ms`), so that --repeat takes their medians."""
    for part, ms in (record.get("backward_split_ms") or {}).items():
        record[f"split_{part}_ms"] = ms
    return record


def key(shape, groups, shuffle):
    return (tuple(shape), groups, shuffle)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (every case is still measured)")
    parser.add_argument("--no-build", action="store_true", help="use the Release builds already there")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="PyTorch's threads (default: the core count)")
    parser.add_argument("--keep", metavar="DIR", help="keep the weights, models, inputs and outputs in DIR (a new or empty folder); "
                        "SIMAM_GAM_MODELS=DIR then runs the ONNX Runtime benchmarks of GamBenchmarks")
    parser.add_argument("--json", metavar="FILE", help="also write every number as JSON")
    parser.add_argument("--repeat", type=int, default=1, help="run the measurements N times in turn and take the medians "
                        "(the PyTorch ratios compare numbers from different processes: repeating evens out the host's drift)")
    parser.add_argument("--verbose", action="store_true", help="show the tools' own output")
    args = parser.parse_args()
    quiet = not args.verbose
    quick = ["--quick"] if args.quick else []

    if not args.no_build:
        print("building (Release) ...", file=sys.stderr)
        run(["dotnet", "build", "-c", "Release", BENCH_PROJECT], quiet)

    with tempfile.TemporaryDirectory(prefix="gam-compare-") as scratch:
        directory = args.keep or scratch
        os.makedirs(directory, exist_ok=True)
        cases_path = os.path.join(directory, "cases.json")
        run(["dotnet", BENCH_DLL, "gam-compare", "--list", "--json", cases_path], quiet)
        with open(cases_path) as f:
            cases = json.load(f)

        for case in cases:
            name, c = case["name"], case["shape"][1]
            weights = os.path.join(directory, name + ".safetensors")
            print(f"preparing {name} ...", file=sys.stderr)
            run(["dotnet", CLI_DLL, "gam", "init", "--channels", str(c), "--rate", str(case["rate"]),
                 "--groups", str(case["groups"]), "--seed", "1", "--output", weights], quiet)
            export = ["--channels", str(c), "--rate", str(case["rate"]), "--groups", str(case["groups"]),
                      "--shuffle", str(case["shuffle_groups"]), "--weights", weights,
                      "--output", os.path.join(directory, name + ".onnx")]
            if quiet:
                with open(os.devnull, "w") as devnull:
                    stdout, sys.stdout = sys.stdout, devnull
                    try:
                        export_gam_onnx.main(export)
                    finally:
                        sys.stdout = stdout
            else:
                export_gam_onnx.main(export)

        benches, compares, pytorches, bench_texts, compare_texts = [], [], [], [], []
        for repetition in range(args.repeat):
            of = f" ({repetition + 1} of {args.repeat})" if args.repeat > 1 else ""
            print(f"simam gam bench{of} ...", file=sys.stderr)
            bench_path = os.path.join(directory, "gam-bench.json")
            bench_texts.append(run(["dotnet", CLI_DLL, "gam", "bench", *quick, "--json", bench_path], quiet))
            with open(bench_path) as f:
                benches.append({key(r["shape"], r["groups"], r["shuffle_groups"]) + (r["mode"],): flatten_split(r) for r in json.load(f)})

            print(f"gam-compare (GAM module vs ONNX Runtime, same process){of} ...", file=sys.stderr)
            compare_path = os.path.join(directory, "gam-compare.json")
            env = {"DOTNET_TieredCompilation": "0"}  # as simam itself runs (its project turns tiering off)
            compare_texts.append(run(["dotnet", BENCH_DLL, "gam-compare", "--models", directory, *quick, "--save-outputs",
                                      "--json", compare_path], quiet, env))
            with open(compare_path) as f:
                compares.append(json.load(f))

            print(f"PyTorch{of} ...", file=sys.stderr)
            pytorches.append({case["name"]: time_pytorch(case, directory, args.quick, args.threads) for case in cases})

    # With --repeat, every number is the median over the repetitions (ratios: the median of the same-process ratios).
    bench = merge(benches)
    compare = compares[-1]
    ort = merge([{r["name"]: r for r in c["results"]} for c in compares])
    pytorch = merge(pytorches)
    bench_text, compare_text = "\n".join(bench_texts), "\n".join(compare_texts)

    import torch

    environment = compare["environment"]
    # The peak is a ceiling, and a busy moment only lowers a measurement of it: the highest of the repetitions, and every
    # share of it from the medians, so that a row's GFLOP/s and its share agree.
    peak = max(next(iter(b.values()))["fma_peak_gflops"] for b in benches)
    rows = []
    for case in cases:
        name = case["name"]
        k = key(case["shape"], case["groups"], case["shuffle_groups"])
        ev, tr, o, p = bench[k + ("eval",)], bench[k + ("train",)], ort[name], pytorch[name]
        for record in (ev, tr):
            record["fma_peak_gflops"] = peak
            record["of_peak"] = record["gflops"] / peak
            if record.get("backward_gflops") is not None:
                record["backward_of_peak"] = record["backward_gflops"] / peak
        rows.append({"case": case, "gam_eval": ev, "gam_train": tr, "ort": o, "pytorch": p})

    date = datetime.date.today().isoformat()
    print(f"{environment['cpu']}, {environment['logical_processors']} logical processors, {environment['runtime']}, "
          f"kernel {environment['kernel']}; FMA peak {peak:.0f} GFLOP/s (all cores{', the highest of the repetitions' if args.repeat > 1 else ''}); ONNX Runtime {environment['onnxruntime']}; "
          f"PyTorch {torch.__version__} with {args.threads} threads ({allocator.describe()}); float32, medians{' (--quick)' if args.quick else ''}"
          f"{f', {args.repeat} repetitions' if args.repeat > 1 else ''}; {date}")
    print()
    print("| shape | variant | GAM eval ms | GFLOP/s | % of FMA peak | ORT ms (GAM speed-up, same process) | "
          "PyTorch eval ms | vs PyTorch eval | GAM train ms | PyTorch train ms | vs PyTorch train |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        case, ev, tr, o, p = r["case"], r["gam_eval"], r["gam_train"], r["ort"], r["pytorch"]
        print(f"| [{','.join(map(str, case['shape']))}] | {case['variant']} | {ev['forward_ms']:.2f} | {ev['gflops']:.0f} | "
              f"{ev['of_peak'] * 100:.0f}% | {o['ort_ms']:.2f} ({o['ort_over_gam']:.2f}x) | {p['pytorch_eval_ms']:.2f} | "
              f"{p['pytorch_eval_ms'] / ev['forward_ms']:.2f}x | {tr['forward_ms']:.2f} | {p['pytorch_train_ms']:.2f} | "
              f"{p['pytorch_train_ms'] / tr['forward_ms']:.2f}x |")
    print()
    print("Training step (train-mode forward keeping what the backward needs, then the backward with every parameter's "
          "gradient; the weights count as changed before every forward pass, as after an optimizer step); the backward's "
          "GFLOP/s count twice the forward's work (data and weight gradients); of the backward, the two convolutions' weight "
          "and data gradients (from further steps, timed per phase):")
    print()
    print("| shape | variant | GAM step ms | GAM forward ms | GAM backward ms | weight gradients ms | data gradients ms | "
          "backward GFLOP/s | % of FMA peak | PyTorch step ms | vs PyTorch |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        case, tr, p = r["case"], r["gam_train"], r["pytorch"]
        print(f"| [{','.join(map(str, case['shape']))}] | {case['variant']} | {tr['train_step_ms']:.2f} | "
              f"{tr['forward_activations_ms']:.2f} | {tr['backward_ms']:.2f} | {tr['split_weight_gradients_ms']:.2f} | "
              f"{tr['split_data_gradients_ms']:.2f} | {tr['backward_gflops']:.0f} | "
              f"{tr['backward_of_peak'] * 100:.0f}% | {p['pytorch_train_step_ms']:.2f} | "
              f"{p['pytorch_train_step_ms'] / tr['train_step_ms']:.2f}x |")
    print()
    print("Agreement, max |difference| / max |reference output| (float32 everywhere, the same weights and input):")
    print()
    print("| shape | variant | GAM vs ORT (eval) | GAM vs PyTorch (eval) | GAM vs PyTorch (train) | GAM vs float64 (eval) | ORT vs float64 (eval) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")

    def e(v):
        return "n/a" if v is None else f"{v:.1e}"

    for r in rows:
        case, o, p = r["case"], r["ort"], r["pytorch"]
        print(f"| [{','.join(map(str, case['shape']))}] | {case['variant']} | {e(o['gam_vs_ort'])} | {e(p['gam_vs_pytorch_eval'])} | "
              f"{e(p['gam_vs_pytorch_train'])} | {e(o['gam_vs_float64'])} | {e(o['ort_vs_float64'])} |")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": date, "machine": platform.machine(), "environment": environment, "fma_peak_gflops": peak,
                       "pytorch": torch.__version__, "pytorch_threads": args.threads, "quick": args.quick, "rows": rows,
                       "gam_bench_output": bench_text, "gam_compare_output": compare_text}, f, indent=2)
    if args.verbose:
        print(bench_text, file=sys.stderr)
        print(compare_text, file=sys.stderr)
    return 0


if __name__ == "__main__":
    allocator.keep_freed_memory()
    sys.exit(main())
