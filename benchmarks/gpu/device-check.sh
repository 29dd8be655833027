#!/usr/bin/env bash
# The GPU check of the two GPU backends, in one command on a machine with an NVIDIA GPU and no .NET.
#
#   benchmarks/gpu/device-check.sh prepare   (here, with the .NET SDK) publishes self-contained linux-x64 builds of
#                                            the GPU test suites and the simam tool into artifacts/gpu-check.tar.xz
#   benchmarks/gpu/device-check.sh [run]     (on the GPU machine) unpacks them if needed, then writes one file,
#                                            artifacts/gpu-check/device-check.md: the device and driver, the test
#                                            results of both suites on the GPU, and `simam bench --backend ilgpu` and
#                                            `--backend opencl` on the standard shapes with each shape's ratio to the
#                                            device's own copy bandwidth.
#
# The run step needs the NVIDIA driver (libcuda.so.1; no CUDA toolkit: ILGPU emits PTX and the driver compiles it) and,
# for the OpenCL backend, an OpenCL ICD loader (libOpenCL.so.1) with NVIDIA's ICD. Without nvidia-smi it still runs,
# on whatever the backends find (ILGPU's CPU accelerator), to check the bundle itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

bundle=artifacts/gpu-check.tar.xz
dir=artifacts/gpu-check

prepare() {
    rm -rf "$dir" "$bundle"
    mkdir -p "$dir"
    local publish=(-c Release -r linux-x64 --self-contained true -p:DebugType=none)
    dotnet publish src/SimAM.Cli "${publish[@]}" -o "$dir/simam"
    dotnet publish tests/SimAM.Gpu.Ilgpu.Tests "${publish[@]}" -o "$dir/ilgpu-tests"
    dotnet publish tests/SimAM.Gpu.OpenCL.Tests "${publish[@]}" -o "$dir/opencl-tests"

    # The three publishes carry the same runtime: identical files become hard links, which tar stores once.
    declare -A first=()
    while IFS= read -r -d '' file; do
        local key
        key="$(basename "$file"):$(sha256sum "$file" | cut -d' ' -f1)"
        if [[ -n "${first[$key]:-}" ]]; then
            ln -f "${first[$key]}" "$file"
        else
            first[$key]="$file"
        fi
    done < <(find "$dir" -type f -print0 | sort -z)

    tar -C artifacts -cf - gpu-check | xz -T0 -9 > "$bundle"
    echo "wrote $bundle ($(du -h "$bundle" | cut -f1)); run 'benchmarks/gpu/device-check.sh' on the GPU machine"
}

# One value per result from simam bench's JSON (one "name": value pair per line).
json_values() {
    grep -o "\"$2\": [-0-9.eE+]*" "$1" | awk '{print $2}'
}

run() {
    if [[ ! -d "$dir/simam" ]]; then
        [[ -f "$bundle" ]] || { echo "error: no $bundle; run 'benchmarks/gpu/device-check.sh prepare' where the .NET SDK is" >&2; exit 1; }
        tar -C artifacts -xJf "$bundle"
    fi

    # Self-contained builds without ICU on the machine.
    export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
    local out="$dir/device-check.md"
    local simam="$dir/simam/SimAM.Cli"
    local gpu=default
    {
        echo "# GPU device check, $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo
        echo "## Device"
        echo
        echo '```'
        if command -v nvidia-smi >/dev/null 2>&1; then
            nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory,pcie.link.gen.max --format=csv || true
            nvidia-smi | head -n 4 | tail -n 2 || true
        else
            echo "nvidia-smi not found: no NVIDIA driver here; the ILGPU suite runs on ILGPU's CPU accelerator"
            gpu=cpu
        fi
        echo "$(uname -sr), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
        echo '```'
        echo
        echo "## simam selftest (every device the GPU backends find)"
        echo
        echo '```'
        "$simam" selftest --seed 1 2>&1 || true
        echo '```'
    } > "$out" 2>&1

    {
        echo
        echo "## ILGPU test suite on device '$gpu' (SIMAM_ILGPU_DEVICE=$gpu)"
        echo
        echo '```'
        SIMAM_REQUIRE_ILGPU=1 SIMAM_ILGPU_DEVICE=$gpu "$dir/ilgpu-tests/SimAM.Gpu.Ilgpu.Tests" -noColor 2>&1 | tail -n 40 || true
        echo '```'
        echo
        echo "## OpenCL test suite"
        echo
        echo '```'
        if [[ -x "$dir/opencl-tests/SimAM.Gpu.OpenCL.Tests" ]]; then
            SIMAM_REQUIRE_OPENCL=1 "$dir/opencl-tests/SimAM.Gpu.OpenCL.Tests" -noColor 2>&1 | tail -n 40 || true
        else
            echo "not run: this build of tests/SimAM.Gpu.OpenCL.Tests is not a self-executing (xunit.v3) program"
        fi
        echo '```'
    } >> "$out" 2>&1

    local backend
    for backend in ilgpu opencl; do
        local device=()
        if [[ $gpu == cpu ]]; then
            # No GPU: one small shape, enough to check the bundle (the CPU accelerator is ~100x slower than the engine).
            device=(--quick --shape 1,8,32,32)
            [[ $backend == ilgpu ]] && device+=(--device cpu)
        fi
        {
            echo
            echo "## simam bench --backend $backend ${device[*]}"
            echo
            "$simam" bench --backend "$backend" "${device[@]}" --json "$dir/bench-$backend.json" 2>/dev/null || echo "(bench --backend $backend failed; see the selftest above)"
        } >> "$out" 2>&1
    done

    # Each shape's ratio to the device's own copy: ILGPU's table has it (x memcpy is a device-to-device copy there); the
    # OpenCL bench times host buffers (upload, kernels, download), so its times are set against the same copy.
    if [[ -f "$dir/bench-ilgpu.json" ]]; then
        paste <(json_values "$dir/bench-ilgpu.json" elements) <(json_values "$dir/bench-ilgpu.json" memcpyMs) \
              <(json_values "$dir/bench-ilgpu.json" forwardMs) <(json_values "$dir/bench-ilgpu.json" threeStreamMs) \
              <(json_values "$dir/bench-ilgpu.json" backwardMs) > "$dir/ilgpu.tsv"
        {
            echo
            echo "## Ratios to the device's own floors (device copy of x; dx = x + g kernel)"
            echo
            echo "| elements | MB | device copy ms | ILGPU fwd / copy | ILGPU bwd / 3-stream | OpenCL fwd (host buffers) / copy | OpenCL bwd (host buffers) / 3-stream |"
            echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
            if [[ -f "$dir/bench-opencl.json" ]]; then
                paste "$dir/ilgpu.tsv" <(json_values "$dir/bench-opencl.json" forwardMs) <(json_values "$dir/bench-opencl.json" backwardMs)
            else
                sed 's/$/\tnan\tnan/' "$dir/ilgpu.tsv"
            fi | awk -F'\t' '{ printf "| %d | %.1f | %.4f | %.2fx | %.2fx | %.1fx | %.1fx |\n", $1, $1 * 4 / 1e6, $2, $3 / $2, $5 / $4, $6 / $2, $7 / $4 }'
            echo
            echo "Targets on tensors of 25 MB and more: forward at most 1.5x the copy, backward at most 2x the 3-stream kernel,"
            echo "and at least 10x the CPU engine (the 'vs CPU fwd' and 'vs CPU bwd' columns of the ILGPU table)."
        } >> "$out"
    fi

    echo "wrote $out"
}

case "${1:-run}" in
    prepare) prepare ;;
    run) run ;;
    *) echo "usage: $0 [prepare|run]" >&2; exit 2 ;;
esac
