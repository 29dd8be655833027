#!/usr/bin/env -S /usr/bin/python3
"""Could GAM's two 7x7 convolutions use a fast convolution algorithm in float32 and still meet the accuracy bound?

    /usr/bin/python3 benchmarks/torch/fast_convolution_study.py [--seed K]   (about a minute of one core)

The bound (forward): the float32 module output y within 2e-6 * max|y64| of the float64 output y64 (max abs error over
the tensor), in eval and in train mode. Gradients (later) must meet 2e-6 * max|ref| for dx and 5e-6 * max|ref| for
the parameter gradients.

The module is the default GAM (rate 4, groups 1, out = C) of tests/torch/gam_module.py with PyTorch's default
initialisation, then random biases and random BatchNorm gamma/beta/running statistics as
tests/torch/generate_gam_golden.py draws them (without its rounding to four digits); x ~ N(0, 1) in float32. The
float64 reference is the PyTorch module itself in float64 (module.double()) on the same float32 numbers. Every
float32 variant evaluates the same module functionally (channel MLP, convolution, BatchNorm with running or batch
statistics, ReLU, sigmoid, products: all in float32), with both 7x7 convolutions (padding 3) computed by:

  direct          torch.nn.functional.conv2d in float32 (the baseline);
  fftP / fftS     FFT convolution, everything in float32/complex64: torch.fft.rfft2 of each zero-padded plane at a
                  transform size >= (H+6, W+6) (fftP: the power of two; fftS: the smallest 2,3,5-smooth size),
                  the kernel's transform likewise, the pointwise complex products summed over the input channels
                  in complex64 (a batched complex64 matmul per frequency), torch.fft.irfft2, crop. torch.fft keeps
                  float32 input in single precision (complex64 out; checked below against a float64 FFT);
  fftT16 / fftT32 the same on overlap-save tiles of 16x16 / 32x32 (10x10 / 26x26 outputs each), so that the channel
                  sums are matmuls with one row per tile, as in Winograd;
  W2x2 / W4x4     2-D Winograd F(2x2,7x7) (8x8 tiles) and F(4x4,7x7) (10x10 tiles): Cook-Toom matrices A^T, G,
                  B^T built with exact rational arithmetic (fractions.Fraction, checked exactly), then cast to
                  float32; kernel transform G K G^T, input transform B^T d B, channel sums and the output
                  transform A^T M A all in float32. Points: F(2,7): 0, +-1, +-2, +-1/2, inf. F(4,7) needs nine
                  finite points, so of 0, +-1, +-2, +-1/2, +-3, +-1/3 two sets of nine are tried: "a" adds +-3,
                  "b" adds +-1/3;
  R2 / R4a / R4b  1-D Winograd F(2,7) / F(4,7) (same points) along the rows only, the 7 kernel rows summed directly
                  (the channel sum runs over C*7 terms per transformed point);
  W2x2k / R2k     as W2x2 / R2 but the kernel's transform done in float64 from the exact G, then rounded to float32
                  (as a weight loader could do once): shows whether the kernel side limits Winograd's accuracy.

Result (torch 1.13.1 CPU, one thread, seed 0; error = max|y - y64| / max|y64|; "yes" = within 2e-6 with a margin of
4x or more, "yes-" = within 2e-6 with less margin, "NO" = over 2e-6):

  shape          mode   direct       fftP         fftS         fftT16       W2x2         W2x2k
  [1,64,56,56]   eval   2.4e-7 yes   2.4e-7 yes   2.4e-7 yes   2.4e-7 yes   3.8e-7 yes   2.9e-7 yes
  [1,64,56,56]   train  7.7e-7 yes-  3.1e-7 yes   3.1e-7 yes   2.8e-7 yes   3.6e-6 NO    4.6e-6 NO
  [1,256,28,28]  eval   3.0e-7 yes   3.0e-7 yes   3.0e-7 yes   3.0e-7 yes   5.9e-7 yes-  6.9e-7 yes-
  [1,256,28,28]  train  5.2e-7 yes-  3.1e-7 yes   3.1e-7 yes   3.1e-7 yes   5.7e-6 NO    5.6e-6 NO
  [4,512,7,7]    eval   3.7e-7 yes   3.2e-7 yes   3.2e-7 yes   3.2e-7 yes   8.9e-7 yes-  6.9e-7 yes-
  [4,512,7,7]    train  8.5e-7 yes-  3.8e-7 yes   4.5e-7 yes   4.9e-7 yes   7.5e-6 NO    1.0e-5 NO

  shape          mode   W4x4a        W4x4b        R2           R2k          R4a          R4b
  [1,64,56,56]   eval   1.2e-5 NO    1.8e-5 NO    2.8e-7 yes   2.8e-7 yes   1.1e-6 yes-  8.7e-7 yes-
  [1,64,56,56]   train  1.8e-4 NO    2.0e-4 NO    2.0e-6 yes-  2.1e-6 NO    1.1e-5 NO    1.2e-5 NO
  [1,256,28,28]  eval   2.7e-5 NO    3.2e-5 NO    3.7e-7 yes   6.4e-7 yes-  3.0e-6 NO    2.5e-6 NO
  [1,256,28,28]  train  3.0e-4 NO    2.3e-4 NO    2.7e-6 NO    2.5e-6 NO    1.8e-5 NO    2.1e-5 NO
  [4,512,7,7]    eval   2.2e-5 NO    2.0e-5 NO    3.8e-7 yes   3.8e-7 yes   1.3e-6 yes-  2.0e-6 yes-
  [4,512,7,7]    train  4.2e-4 NO    3.7e-4 NO    4.9e-6 NO    4.6e-6 NO    3.3e-5 NO    2.7e-5 NO

  fftT32 (32x32 tiles) matches fftT16 (2.4e-7 .. 4.5e-7). A second draw (--seed 1) gives the same picture: the FFT
  variants 1.7e-7 .. 4.5e-7, W2x2 up to 9.1e-6, R2 up to 5.4e-6, W4x4 up to 4.8e-4. The convolutions alone (eval,
  relative to max|z64|): direct 4.7e-7 .. 7.1e-7, every FFT variant 2.2e-7 .. 4.2e-7, W2x2 1.4e-6 .. 9.5e-6, R2
  6.0e-7 .. 6.7e-6, W4x4 1.3e-4 .. 2.6e-3. Train mode magnifies a convolution's error: BatchNorm divides by the batch
  standard deviation, which is small against max|z|.

Operation counts (per convolution layer; C->C/4 and C/4->C give the same ratios). "mult" = channel-summed real
multiplies per output pixel per (input, output) channel pair, direct 49 (the ratio is the reduction); "FLOPs" = real
FLOPs per output pixel of the products plus the transforms (FFT: 8 per complex multiply-add over the rfft's
P x (P/2+1) bins, 2.5 N log2 N per real 2-D transform; Winograd transforms as dense matrix products, an upper bound),
as the reduction against direct 2*49*Cin*Cout; the kernel's transform is done once per weight set and not counted;
"kernel" = size of the transformed C->C/4 kernel; "M" = rows of the matmul at each transformed point (K = Cin):

  algorithm  [1,64,56,56]                [1,256,28,28]               [4,512,7,7]
             mult   FLOPs  kernel   M     mult   FLOPs  kernel   M     mult   FLOPs  kernel   M
  W2x2       3.06x  1.50x  0.2 MiB        3.06x  2.43x  4.0 MiB        2.34x  2.08x   16 MiB
  W4x4       7.84x  3.35x  0.4 MiB        7.84x  5.88x  6.2 MiB        6.00x  5.14x   25 MiB
  R2         1.75x  1.62x  0.2 MiB        1.75x  1.71x  3.5 MiB        1.53x  1.51x   14 MiB
  R4         2.80x  2.53x  0.3 MiB        2.80x  2.72x  4.4 MiB        2.45x  2.40x   18 MiB
  fftP       18.2x  11.6x   16 MiB   1    4.55x  3.98x  264 MiB   1    4.17x  4.00x   72 MiB   4   (64 / 64 / 16)
  fftS       18.2x  11.6x   16 MiB   1    14.0x  12.5x   86 MiB   1    5.00x  4.79x   60 MiB   4   (64 / 36 / 15)
  fftT16     7.41x  5.50x  1.1 MiB  36    7.41x  6.82x   18 MiB   9    4.17x  4.00x   72 MiB   4
  fftT32     7.85x  5.38x  4.2 MiB   9    4.41x  3.96x   68 MiB   4    1.10x  1.04x  272 MiB   4
  (direct: kernel 0.2 / 3.1 / 12.2 MiB, one matmul of M = N*H*W = 3136 / 784 / 196 rows and K = 49*Cin)

Conclusion. Winograd in float32 does not meet the bound. F(4x4,7x7) misses it by 6-240x in every case, with
either extra point pair. F(2x2,7x7) and the row-only F(2,7) pass in eval mode, but in train mode F(2x2,7x7) misses
in every case (by up to 5x) and F(2,7) for the two larger shapes (by up to 2.7x; it passes narrowly for
[1,64,56,56]). Computing the kernel transform in float64 does not help, so the input and output transforms limit
them (largest entries of A^T / G / B^T: F(2,7) 2 / 1 / 5.25; F(4,7) "a" 27 / 1 / 52.5, "b" 8 / 9.4 / 5.8). The
row-only F(4,7) passes only in some eval cases, narrowly, and misses in train mode by 4-17x.

The direct float32 baseline is 1.8e-7 .. 8.5e-7 (worst in train mode), not 1e-7. FFT convolution in
float32/complex64 is as accurate as it or better: 1.7e-7 .. 4.9e-7 at the module output, for every shape, both
modes and both draws, so it meets the bound with a margin of 4x or more.
This holds with whole-plane transforms of either size and with overlap-save tiles of 16x16 or 32x32. In principle
it removes 4-12x of the FLOPs (whole plane: 11.6x / 12.5x (36x36) / 4.8x (15x15)). But the whole-plane form turns
the channel sums into one matrix-vector product per frequency (M = batch), streaming a 16-264 MiB transformed kernel
per layer and sample. The practical form is overlap-save on 16x16 tiles (10x10 outputs each): 5.5x / 6.8x / 4.0x
fewer FLOPs, transformed kernels of 1.1 / 18 / 72 MiB per layer, and complex matmuls at each of 144 frequencies with
M = 36 / 9 / 4 rows (the 7x7 planes have one tile per sample). How much of that becomes time is not measured here.
It depends on how well small complex matmuls and 16x16 real FFTs run compared with the direct kernel's 62-78% of the
FMA peak. For 7x7 planes at small batch there is little to gain: one matmul row per sample, and a 72 MiB kernel
transform against the 12 MiB direct kernel.

The backward pass is not measured here (dx is the same kind of correlation with the flipped kernel; dK is a
correlation of the layer input with dz). Its bounds (2e-6 for dx, 5e-6 for the parameter gradients) are no tighter
than the forward one, and the FFT's forward margin suggests that it would fit, but that needs its own check.
"""
import argparse
import copy
import math
import os
import sys
import time
from fractions import Fraction

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "torch"))
from gam_module import GAM  # noqa: E402

BOUND = 2e-6
SHAPES = [[1, 64, 56, 56], [1, 256, 28, 28], [4, 512, 7, 7]]
EPS = 1e-5


# ---------------------------------------------------------------------------------------------------------------
# The module, its weights, and a functional forward with a replaceable convolution
# ---------------------------------------------------------------------------------------------------------------

def make_module(c, generator):
    """Default GAM with PyTorch's default initialisation, then biases and BatchNorms randomised as
    tests/torch/generate_gam_golden.py does (without its rounding to four significant digits)."""
    module = GAM(c, c)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias"):
                p.copy_((torch.rand(p.shape, generator=generator) - 0.5) * 0.6)
        for bn in (module.spatial_attention[1], module.spatial_attention[4]):
            k = bn.num_features
            sign = torch.where(torch.rand(k, generator=generator) < 0.2, -1.0, 1.0)
            bn.weight.copy_(sign * (0.5 + torch.rand(k, generator=generator)))
            bn.bias.copy_(torch.randn(k, generator=generator) * 0.5)
            bn.running_mean.copy_(torch.randn(k, generator=generator) * 0.3)
            bn.running_var.copy_(0.3 + 1.5 * torch.rand(k, generator=generator))
    return module


def parameters(module, dtype):
    sa, ca = module.spatial_attention, module.channel_attention
    p = dict(w1=ca[0].weight, b1=ca[0].bias, w2=ca[2].weight, b2=ca[2].bias,
             k1=sa[0].weight, c1=sa[0].bias, g1=sa[1].weight, be1=sa[1].bias, rm1=sa[1].running_mean, rv1=sa[1].running_var,
             k2=sa[3].weight, c2=sa[3].bias, g2=sa[4].weight, be2=sa[4].bias, rm2=sa[4].running_mean, rv2=sa[4].running_var)
    return {k: v.detach().to(dtype).clone() for k, v in p.items()}


def batch_norm(z, gamma, beta, mean, var, train):
    if train:
        var, mean = torch.var_mean(z, dim=(0, 2, 3), unbiased=False)
    shape = (1, -1, 1, 1)
    return (z - mean.view(shape)) / torch.sqrt(var.view(shape) + EPS) * gamma.view(shape) + beta.view(shape)


def gam_forward(x, p, train, conv):
    """The default GAM (no channel sigmoid, no shuffle); returns y and the two convolution outputs."""
    v = x.permute(0, 2, 3, 1)
    a = torch.relu(v @ p["w1"].T + p["b1"]) @ p["w2"].T + p["b2"]
    x1 = x * a.permute(0, 3, 1, 2)
    z1 = conv(x1, p["k1"], p["c1"])
    h = torch.relu(batch_norm(z1, p["g1"], p["be1"], p["rm1"], p["rv1"], train))
    z2 = conv(h, p["k2"], p["c2"])
    s = torch.sigmoid(batch_norm(z2, p["g2"], p["be2"], p["rm2"], p["rv2"], train))
    return x1 * s, z1, z2


def conv_direct(x, k, b):
    return F.conv2d(x, k, b, padding=3)


# ---------------------------------------------------------------------------------------------------------------
# FFT convolution in single precision
# ---------------------------------------------------------------------------------------------------------------

def smooth_size(n):
    while True:
        m = n
        for f in (2, 3, 5):
            while m % f == 0:
                m //= f
        if m == 1:
            return n
        n += 1


def pow2_size(n):
    return 1 << (n - 1).bit_length()


def make_conv_fft(size_of):
    def conv(x, k, b):
        n, c, h, w = x.shape
        o = k.shape[0]
        p, q = size_of(h + 6), size_of(w + 6)
        xf = torch.fft.rfft2(x, s=(p, q))                          # x at [0:h, 0:w], zeros after
        kf = torch.fft.rfft2(torch.flip(k, (2, 3)), s=(p, q))      # correlation = convolution with the flipped kernel
        assert x.dtype == k.dtype == torch.float32 and xf.dtype == kf.dtype == torch.complex64
        nf = p * (q // 2 + 1)
        zf = torch.bmm(xf.reshape(n, c, nf).permute(2, 0, 1), kf.reshape(o, c, nf).permute(2, 1, 0))  # [nf, n, o]
        assert zf.dtype == torch.complex64
        z = torch.fft.irfft2(zf.permute(1, 2, 0).reshape(n, o, p, q // 2 + 1), s=(p, q))
        assert z.dtype == torch.float32
        return z[:, :, 3:3 + h, 3:3 + w] + b.view(1, -1, 1, 1)
    return conv


def make_conv_fft_tiled(t):
    """Overlap-save FFT convolution on t x t tiles, (t-6) x (t-6) outputs each: the per-frequency products become a
    matmul [tiles, Cin] x [Cin, Cout] (like Winograd's), the kernel's transform is t x (t/2+1) per channel pair."""
    step = t - 6

    def conv(x, k, b):
        n, c, h, w = x.shape
        o = k.shape[0]
        th, tw = -(-h // step), -(-w // step)
        xp = F.pad(x, (3, 3 + tw * step - w, 3, 3 + th * step - h))
        d = xp.unfold(2, t, step).unfold(3, t, step)                 # [n, c, th, tw, t, t]
        xf = torch.fft.rfft2(d)
        kf = torch.fft.rfft2(torch.flip(k, (2, 3)), s=(t, t))
        assert xf.dtype == kf.dtype == torch.complex64
        nf = t * (t // 2 + 1)
        zf = torch.bmm(xf.permute(4, 5, 0, 2, 3, 1).reshape(nf, n * th * tw, c), kf.reshape(o, c, nf).permute(2, 1, 0))
        z = torch.fft.irfft2(zf.reshape(t, t // 2 + 1, n, th, tw, o).permute(2, 5, 3, 4, 0, 1), s=(t, t))[..., 6:, 6:]
        assert z.dtype == torch.float32
        z = z.permute(0, 1, 2, 4, 3, 5).reshape(n, o, th * step, tw * step)[:, :, :h, :w]
        return z + b.view(1, -1, 1, 1)
    return conv


def fft_precision_check():
    """Is torch.fft on float32 computed in single precision? Compare with a float64 FFT of the same numbers: a
    float32 transform errs several times more than the rounding of the exact transform to complex64."""
    g = torch.Generator().manual_seed(7)
    x = torch.randn(64, 64, 64, generator=g)
    exact = torch.fft.rfft2(x.double())
    f32 = torch.fft.rfft2(x)
    scale = exact.abs().max()
    rounding = ((exact.to(torch.complex64).to(torch.complex128) - exact).abs().max() / scale).item()
    single = ((f32.to(torch.complex128) - exact).abs().max() / scale).item()
    return f32.dtype, rounding, single


# ---------------------------------------------------------------------------------------------------------------
# Winograd (Cook-Toom) in float32
# ---------------------------------------------------------------------------------------------------------------

def poly_from_roots(roots):
    """Coefficients (ascending powers) of prod (x - r)."""
    c = [Fraction(1)]
    for r in roots:
        nxt = [Fraction(0)] * (len(c) + 1)
        for i, ci in enumerate(c):
            nxt[i + 1] += ci
            nxt[i] -= r * ci
        c = nxt
    return c


def cook_toom(points, m, r, exact=False):
    """Exact A^T (m x alpha), G (alpha x r), B^T (alpha x alpha) of the correlation y = A^T [(G g) . (B^T d)]
    for F(m, r), alpha = m + r - 1, from alpha - 1 finite points and the point at infinity. It is the transpose of
    Toom-Cook linear convolution: evaluate (G, A^T), interpolate (B^T); the Lagrange denominators sit in G."""
    a = [Fraction(v) for v in points]
    alpha = m + r - 1
    assert len(a) == alpha - 1 and len(set(a)) == len(a)
    f = [math.prod((a[j] - a[l] for l in range(len(a)) if l != j), start=Fraction(1)) for j in range(len(a))]
    at = [[a[j] ** i for j in range(len(a))] + [Fraction(int(i == m - 1))] for i in range(m)]
    g = [[a[j] ** k / f[j] for k in range(r)] for j in range(len(a))] + [[Fraction(int(k == r - 1)) for k in range(r)]]
    bt = [poly_from_roots([a[l] for l in range(len(a)) if l != j]) + [Fraction(0)] for j in range(len(a))]
    bt.append(poly_from_roots(a))
    # Exact check on random integers: the algorithm is the correlation y_i = sum_k g_k d_{i+k}.
    rng = np.random.default_rng(1)
    for _ in range(3):
        gg = [Fraction(int(v)) for v in rng.integers(-9, 10, r)]
        dd = [Fraction(int(v)) for v in rng.integers(-9, 10, alpha)]
        u = [sum(g[j][k] * gg[k] for k in range(r)) for j in range(alpha)]
        v = [sum(bt[j][k] * dd[k] for k in range(alpha)) for j in range(alpha)]
        y = [sum(at[i][j] * u[j] * v[j] for j in range(alpha)) for i in range(m)]
        assert y == [sum(gg[k] * dd[i + k] for k in range(r)) for i in range(m)], (points, m)
    if exact:
        return at, g, bt
    to32 = lambda rows: torch.tensor([[float(v) for v in row] for row in rows], dtype=torch.float32)
    return to32(at), to32(g), to32(bt)


def kernel_transform(points, m, kernel64):
    """k -> the kernel's transform along the last axis (k @ G^T), in float32, or (kernel64) in float64 from the
    exact G and then rounded to float32 (as a loader could do once per weight set)."""
    g = cook_toom(points, m, 7, exact=True)[1]
    g32 = torch.tensor([[float(v) for v in row] for row in g], dtype=torch.float32)
    g64 = torch.tensor([[float(v) for v in row] for row in g], dtype=torch.float64)
    if kernel64:
        return lambda k, two_d: ((g64 @ k.double() @ g64.T) if two_d else (k.double() @ g64.T)).float()
    return lambda k, two_d: (g32 @ k @ g32.T) if two_d else (k @ g32.T)


POINTS_2 = [0, 1, -1, 2, -2, Fraction(1, 2), Fraction(-1, 2)]
POINTS_4A = POINTS_2 + [3, -3]
POINTS_4B = POINTS_2 + [Fraction(1, 3), Fraction(-1, 3)]


def make_conv_winograd_2d(points, m, kernel64=False):
    at, g, bt = cook_toom(points, m, 7)
    transform = kernel_transform(points, m, kernel64)
    alpha = m + 6

    def conv(x, k, b):
        n, c, h, w = x.shape
        o = k.shape[0]
        th, tw = -(-h // m), -(-w // m)
        xp = F.pad(x, (3, 3 + tw * m - w, 3, 3 + th * m - h))
        d = xp.unfold(2, alpha, m).unfold(3, alpha, m)               # [n, c, th, tw, alpha, alpha]
        v = bt @ d @ bt.T
        u = transform(k, True)                                        # [o, c, alpha, alpha]
        mm = torch.bmm(v.permute(4, 5, 0, 2, 3, 1).reshape(alpha * alpha, n * th * tw, c),
                       u.permute(2, 3, 1, 0).reshape(alpha * alpha, c, o))
        mm = mm.reshape(alpha, alpha, n, th, tw, o).permute(2, 5, 3, 4, 0, 1)
        y = at @ mm @ at.T                                            # [n, o, th, tw, m, m]
        assert y.dtype == torch.float32
        y = y.permute(0, 1, 2, 4, 3, 5).reshape(n, o, th * m, tw * m)[:, :, :h, :w]
        return y + b.view(1, -1, 1, 1)
    return conv


def make_conv_winograd_rows(points, m, kernel64=False):
    at, g, bt = cook_toom(points, m, 7)
    transform = kernel_transform(points, m, kernel64)
    alpha = m + 6

    def conv(x, k, b):
        n, c, h, w = x.shape
        o = k.shape[0]
        tw = -(-w // m)
        xp = F.pad(x, (3, 3 + tw * m - w, 3, 3))
        v = xp.unfold(3, alpha, m) @ bt.T                            # [n, c, h + 6, tw, alpha]
        u = transform(k, False)                                       # [o, c, 7, alpha]
        vs = torch.stack([v[:, :, i:i + h] for i in range(7)], dim=2)  # [n, c, 7, h, tw, alpha]
        mm = torch.bmm(vs.permute(5, 0, 3, 4, 1, 2).reshape(alpha, n * h * tw, c * 7),
                       u.permute(3, 1, 2, 0).reshape(alpha, c * 7, o))
        mm = mm.reshape(alpha, n, h, tw, o).permute(1, 4, 2, 3, 0)   # [n, o, h, tw, alpha]
        y = mm @ at.T
        assert y.dtype == torch.float32
        return y.reshape(n, o, h, tw * m)[..., :w] + b.view(1, -1, 1, 1)
    return conv


ALGORITHMS = {
    "direct": conv_direct,
    "fftP": make_conv_fft(pow2_size),
    "fftS": make_conv_fft(smooth_size),
    "fftT16": make_conv_fft_tiled(16),
    "fftT32": make_conv_fft_tiled(32),
    "W2x2": make_conv_winograd_2d(POINTS_2, 2),
    "W2x2k": make_conv_winograd_2d(POINTS_2, 2, kernel64=True),
    "W4x4a": make_conv_winograd_2d(POINTS_4A, 4),
    "W4x4b": make_conv_winograd_2d(POINTS_4B, 4),
    "R2": make_conv_winograd_rows(POINTS_2, 2),
    "R2k": make_conv_winograd_rows(POINTS_2, 2, kernel64=True),
    "R4a": make_conv_winograd_rows(POINTS_4A, 4),
    "R4b": make_conv_winograd_rows(POINTS_4B, 4),
}


# ---------------------------------------------------------------------------------------------------------------
# Operation counts
# ---------------------------------------------------------------------------------------------------------------

def op_counts(name, n, cin, cout, h, w):
    """For one convolution layer: channel-summed real multiplies per output pixel per (input, output) channel pair
    (direct 49), real FLOPs per output pixel, the transformed kernel's size in bytes, and the shape M x K (x cout) of
    the matmul at each transformed point. FFT: 4 real multiplies / 8 real FLOPs per complex multiply-add, transforms
    at about 2.5 N log2 N real FLOPs per real N-point 2-D transform. Winograd transforms counted as dense matrix
    products (an upper bound: the matrices have zeros and symmetries). Kernel transforms are done once per weight
    set and not counted."""
    pixels = n * h * w
    if name == "direct":
        return 49, 2 * 49 * cin * cout, 49 * cin * cout * 4, n * h * w, 49 * cin
    if name.startswith("fft"):
        if name in ("fftP", "fftS"):
            size = pow2_size if name == "fftP" else smooth_size
            p, q, tiles = size(h + 6), size(w + 6), n
        else:
            p = q = int(name[4:])
            tiles = n * -(-h // (p - 6)) * -(-w // (q - 6))
        bins = p * (q // 2 + 1)
        transforms = 2.5 * p * q * math.log2(p * q) * (cin + cout) * tiles
        return (4 * bins * tiles / pixels, (8 * cin * cout * bins * tiles + transforms) / pixels,
                bins * cin * cout * 8, tiles, cin)
    m = int(name[1])
    alpha = m + 6
    tw = -(-w // m)
    if name.startswith("W"):
        tiles = n * -(-h // m) * tw
        transforms = tiles * (cin * 4 * alpha ** 3 + cout * (2 * m * alpha * alpha + 2 * m * m * alpha))
        return (alpha * alpha * tiles / pixels, (2 * cin * cout * alpha * alpha * tiles + transforms) / pixels,
                alpha * alpha * cin * cout * 4, tiles, cin)
    segments = n * h * tw
    transforms = n * (h + 6) * tw * cin * 2 * alpha * alpha + segments * cout * 2 * m * alpha
    return (7 * alpha * segments / pixels, (2 * cin * cout * 7 * alpha * segments + transforms) / pixels,
            7 * alpha * cin * cout * 4, segments, 7 * cin)


COUNTED = ["direct", "fftP", "fftS", "fftT16", "fftT32", "W2x2", "W4x4a", "R2", "R4a"]


# ---------------------------------------------------------------------------------------------------------------

def rel(a, b):
    return ((a.to(torch.float64) - b).abs().max() / b.abs().max()).item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="added to the fixed seeds (another draw of weights and x)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(2112_05561 + args.seed)  # PyTorch's default initialisation draws from the global generator
    generator = torch.Generator().manual_seed(20211210 + args.seed)

    dtype, rounding, single = fft_precision_check()
    print(f"torch.fft.rfft2 on float32 -> {dtype}; max error vs float64 FFT, relative to max|X|: {single:.2e} "
          f"(rounding the exact transform to complex64: {rounding:.2e})")
    print()

    names = list(ALGORITHMS)
    results = []
    started = time.time()
    for shape in SHAPES:
        n, c, h, w = shape
        module = make_module(c, generator)
        x32 = torch.randn(shape, generator=generator)
        p64, p32 = parameters(module, torch.float64), parameters(module, torch.float32)
        module64 = copy.deepcopy(module).double()
        for train in (False, True):
            module64.train(train)
            with torch.no_grad():
                y64_module = module64(x32.double())
                y64, z1_64, z2_64 = gam_forward(x32.double(), p64, train, conv_direct)
            # The functional float64 forward is the module.
            check = rel(y64, y64_module)
            assert check < 1e-13, check
            errors = {}
            with torch.no_grad():
                for name in names:
                    y, z1, z2 = gam_forward(x32, p32, train, ALGORITHMS[name])
                    assert y.dtype == torch.float32
                    errors[name] = (rel(y, y64), rel(z1, z1_64), rel(z2, z2_64))
            mode = "train" if train else "eval"
            results.append((shape, mode, errors))
            print(f"{str(shape):16s} {mode:5s} " + "  ".join(f"{k}={v[0]:.1e}" for k, v in errors.items()), flush=True)
    print(f"({time.time() - started:.0f} s)\n")

    shape_w = 18
    print("Module output: max|y - y64| / max|y64|  (bound 2e-6; * = bound met with a margin of 4x or more,"
          " + = met with less margin, - = not met)")
    print(f"{'shape':{shape_w}s}{'mode':6s}" + "".join(f"{k:>10s}" for k in names))
    for shape, mode, errors in results:
        mark = lambda e: "*" if e <= BOUND / 4 else ("+" if e <= BOUND else "-")
        print(f"{'[' + ','.join(map(str, shape)) + ']':{shape_w}s}{mode:6s}"
              + "".join(f"{errors[k][0]:9.1e}{mark(errors[k][0])}" for k in names))
    print()
    print("The convolutions alone (eval mode): max|z - z64| / max|z64| of the first / second convolution")
    print(f"{'shape':{shape_w}s}" + "".join(f"{k:>18s}" for k in names))
    for shape, mode, errors in results:
        if mode == "eval":
            print(f"{'[' + ','.join(map(str, shape)) + ']':{shape_w}s}"
                  + "".join(f"{errors[k][1]:9.1e}/{errors[k][2]:.1e}" for k in names))
    print()

    print("Operation counts per layer (both layers C->C/4 and C/4->C give the same ratios): channel-summed real")
    print("multiplies per output pixel per channel pair (direct 49) and the reduction; real FLOPs (products +")
    print("transforms) relative to direct 2*49*Cin*Cout; transformed kernel of the C->C/4 layer; matmul per point M x K")
    for shape in SHAPES:
        n, c, h, w = shape
        direct_flops = op_counts("direct", n, c, c // 4, h, w)[1]
        for name in COUNTED:
            mults, flops, kbytes, mdim, kdim = op_counts(name, n, c, c // 4, h, w)
            label = name.rstrip("a")
            if name in ("fftP", "fftS"):
                label += f"{pow2_size(h + 6) if name == 'fftP' else smooth_size(h + 6)}"
            print(f"  {str(shape):16s} {label:8s} mult {mults:6.2f} ({49 / mults:5.2f}x fewer)   FLOPs {flops / direct_flops:5.3f}"
                  f" of direct ({direct_flops / flops:5.2f}x)   kernel {kbytes / 2 ** 20:6.1f} MiB   matmul {mdim:5d} x {kdim}")


if __name__ == "__main__":
    main()
