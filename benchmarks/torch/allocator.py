"""Keeps freed memory in the process, so that PyTorch's timings measure its arithmetic, not the host's page faults.

PyTorch on the CPU takes every intermediate tensor from the C library's malloc. glibc returns a freed block above its
mmap threshold (32 MiB at the most) to the kernel at once and trims the top of its heap, so the next tensor of that
size faults all its pages in again. On the build machine (a VM) a fault costs about 5 us per 4 KiB page: a fresh
25.7 MB tensor took 35 ms to fault in against about 1 ms for the arithmetic that fills it, and PyTorch's SimAM forward
on [8,256,56,56] took 218 ms instead of 11. A deployment avoids that with a caching allocator (jemalloc, tcmalloc) or
glibc's own settings; the comparisons measure PyTorch with these settings: no mmap for any block, no trimming.

SIMAM_TORCH_DEFAULT_MALLOC=1 in the environment measures PyTorch with glibc's defaults instead.
"""
import os
import sys

SETTINGS = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40), "MALLOC_TOP_PAD_": str(1 << 28)}


def in_effect():
    """Whether this process started with SETTINGS (glibc reads them only at start-up)."""
    return all(os.environ.get(k) == v for k, v in SETTINGS.items())


def keep_freed_memory():
    """Re-runs the calling script with SETTINGS in its environment (glibc reads them only at start-up), unless they are
    already there or SIMAM_TORCH_DEFAULT_MALLOC=1 asks for the defaults."""
    if os.environ.get("SIMAM_TORCH_DEFAULT_MALLOC") == "1" or in_effect():
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **SETTINGS})


def default_environment():
    """The environment without SETTINGS: for the processes a script starts that are not PyTorch."""
    return {k: v for k, v in os.environ.items() if k not in SETTINGS}


def describe():
    """One phrase for a table's header: which allocator settings PyTorch ran with."""
    if in_effect():
        return "glibc malloc keeping freed memory: benchmarks/torch/allocator.py"
    return "glibc malloc defaults"
