// SimAM forward and backward in OpenCL C 1.2 (see docs/gpu.md and shared/simam-math.md).
//
// Build options the host sets (Kernels/SimAmProgram.cs):
//   -D WG=<n>        the work-group size, a power of two; every kernel must be enqueued with it.
//   -D SIMAM_FP64=1  the device has cl_khr_fp64: the plane sums accumulate in double.
//                    Without it they are compensated (Neumaier) float sums over values pre-scaled by
//                    a power of two, which keeps them about as accurate as double and free of overflow.
//
// A plane is processed by one work-group (the fused kernels simam_forward / simam_backward) or, for
// very large planes, by G work-groups that each own one contiguous chunk (the simam_part_* kernels
// and the *_apply kernels, enqueued in order). Both walk the same stages:
//   [fp32 only] max|x|  ->  Σ x  ->  mean  ->  Σ (x − μ)²  ->  gate  [-> Σ a·u, Σ a·u²  ->  dx]
// The mean is computed first and the centred sum second, never E[x²] − E[x]².
//
// Reductions run in local memory in a fixed tree order, and the split kernels fold the per-chunk
// partials in chunk order, so results are bitwise identical from run to run.

#pragma OPENCL FP_CONTRACT OFF

#ifndef WG
#error "WG (the work-group size, a power of two) must be defined"
#endif

#ifdef SIMAM_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
typedef double real_t;
#else
typedef float2 acc_t; // (sum, running compensation)
typedef float real_t;
#endif

// ---------------------------------------------------------------------------------------------
// Accumulators

#ifdef SIMAM_FP64

acc_t acc_zero(void) { return 0.0; }
acc_t acc_add(acc_t a, float v) { return a + (double)v; }
acc_t acc_combine(acc_t a, acc_t b) { return a + b; }
real_t acc_value(acc_t a) { return a; }

#else

// Neumaier's variant of Kahan summation: the rounding error of every addition (exact, by TwoSum's
// branch form) is collected in .y. Combining two partial sums adds their errors as well.
acc_t acc_add(acc_t a, float v)
{
    float t = a.x + v;
    float e = fabs(a.x) >= fabs(v) ? (a.x - t) + v : (v - t) + a.x;
    return (float2)(t, a.y + e);
}

acc_t acc_combine(acc_t a, acc_t b)
{
    float t = a.x + b.x;
    float e = fabs(a.x) >= fabs(b.x) ? (a.x - t) + b.x : (b.x - t) + a.x;
    return (float2)(t, (a.y + b.y) + e);
}

acc_t acc_zero(void) { return (float2)(0.0f, 0.0f); }
real_t acc_value(acc_t a) { return a.x + a.y; }

#endif

// Tree reduction over the work-group with COMBINE. Every work-item must call it (it holds barriers);
// all get the total. The order of the steps is fixed, so the result is reproducible. A macro because
// OpenCL C 1.2 has neither templates nor overloading of the program's own functions.
#define GROUP_REDUCE(T, NAME, COMBINE)                                 \
    T NAME(T v, local T* scratch)                                      \
    {                                                                  \
        const uint l = get_local_id(0);                                \
        scratch[l] = v;                                                \
        barrier(CLK_LOCAL_MEM_FENCE);                                  \
        for (uint stride = WG / 2; stride > 0; stride >>= 1)           \
        {                                                              \
            if (l < stride)                                            \
            {                                                          \
                scratch[l] = COMBINE(scratch[l], scratch[l + stride]); \
            }                                                          \
                                                                       \
            barrier(CLK_LOCAL_MEM_FENCE);                              \
        }                                                              \
                                                                       \
        T total = scratch[0];                                          \
        barrier(CLK_LOCAL_MEM_FENCE);                                  \
        return total;                                                  \
    }

GROUP_REDUCE(acc_t, group_sum, acc_combine)

// ---------------------------------------------------------------------------------------------
// Plane statistics, stage by stage. Each stage reads the values [begin, end) of one plane, work-item
// l taking begin + l, begin + l + WG, ... (coalesced), and returns this work-item's share.

// The mean as an unevaluated sum hi + lo of two floats, in the (scaled) units the sums use.
typedef struct
{
    float hi;
    float lo;
#ifdef SIMAM_FP64
    double full;
#endif
} mean_t;

// Everything the elementwise passes need about a plane. In fp32 mode the statistics are those of
// x·scale (scale a power of two near 1/max|x|); u = c·r is the same either way:
// u = (x·scale − mean.hi)·root_scaled − mean.lo·root_scaled.
typedef struct
{
    float scale;       // σ, a power of two (1 in fp64 mode)
    float mean_hi;     // μ·σ = mean_hi + mean_lo
    float mean_lo;
    float root_scaled; // r / σ
    real_t root;       // r = √k = 1 / (2·√(v + λ))
#ifdef SIMAM_FP64
    double mean;       // μ in full, for the small planes' u in double
#endif
    int finite;        // 0: the plane holds NaN or ±∞, and its output is NaN
} gate_t;

#ifndef SIMAM_FP64

// max|x| over the work-item's values; NaN and ±∞ count as +∞ so one flag marks a non-finite plane.
float part_max(global const float* x, uint begin, uint end)
{
    float m = 0.0f;
    for (uint i = begin + get_local_id(0); i < end; i += WG)
    {
        float v = x[i];
        m = fmax(m, isfinite(v) ? fabs(v) : INFINITY);
    }

    return m;
}

GROUP_REDUCE(float, group_max, fmax)

// σ = 2^−e with max|x|·σ in [1, 2): sums of x·σ and (c·σ)² cannot overflow (S < 2^31), and values
// far below max|x| only lose what the 2e-7·max|x| bound allows anyway. e is clamped so σ stays normal.
float scale_for(float max_abs)
{
    int e = max_abs > 0.0f ? ilogb(max_abs) : 0;
    return ldexp(1.0f, -clamp(e, -126, 126));
}

#endif

acc_t part_sum(global const float* x, uint begin, uint end, float scale)
{
    acc_t a = acc_zero();
    for (uint i = begin + get_local_id(0); i < end; i += WG)
    {
#ifdef SIMAM_FP64
        a = acc_add(a, x[i]);
#else
        a = acc_add(a, x[i] * scale);
#endif
    }

    return a;
}

#ifndef SIMAM_FP64

// (s + c) / n as hi + lo, for the integer count n ≥ 2 (not always a float: it is split as nh + nl).
mean_t divide_by_count(float s, float c, uint n)
{
    const float nh = (float)n;
    const float nl = (float)((long)n - (long)nh);
    const float q = (s + c) / nh;
    const float p = q * nh;
    const float pe = fma(q, nh, -p); // q·nh = p + pe exactly
    const float remainder = (((s - p) - pe) + c) - q * nl;
    const float ql = remainder / nh;
    mean_t m;
    m.hi = q + ql;
    m.lo = ql - (m.hi - q);
    return m;
}

#endif

mean_t mean_of(acc_t total, uint n)
{
#ifdef SIMAM_FP64
    mean_t m;
    m.full = total / (double)n;
    m.hi = (float)m.full;
    m.lo = (float)(m.full - (double)m.hi);
    return m;
#else
    return divide_by_count(total.x, total.y, n);
#endif
}

acc_t part_centred_squares(global const float* x, uint begin, uint end, float scale, mean_t mean)
{
    acc_t a = acc_zero();
    for (uint i = begin + get_local_id(0); i < end; i += WG)
    {
#ifdef SIMAM_FP64
        double d = (double)x[i] - mean.full;
        a += d * d;
#else
        float d = (x[i] * scale - mean.hi) - mean.lo;
        a = acc_add(a, d * d);
#endif
    }

    return a;
}

#ifndef SIMAM_FP64

// 1/√t to about 1 ulp: OpenCL's rsqrt may be off by 2 ulp, so one Newton step refines it (t normal).
float accurate_rsqrt(float t)
{
    const float y = rsqrt(t);
    const float h = t * y;
    return fma(0.5f * y, fma(-h, y, 1.0f), y);
}

#endif

// The gate constants of a plane from its totals (max|x|, Σ x·σ, Σ (c·σ)²).
gate_t make_gate(float max_abs, acc_t sum, acc_t squares, uint n, float lambda)
{
    gate_t g;
#ifdef SIMAM_FP64
    (void)max_abs;
    const mean_t mean = mean_of(sum, n);
    const double q = squares;
    const double variance = q / (double)(n - 1);
    const double r = 0.5 / sqrt(variance + (double)lambda);
    g.scale = 1.0f;
    g.mean_hi = mean.hi;
    g.mean_lo = mean.lo;
    g.root = r;
    g.mean = mean.full;
    g.root_scaled = (float)r;
    g.finite = isfinite(mean.full) && isfinite(q);
#else
    const float scale = scale_for(max_abs);
    const mean_t mean = mean_of(sum, n);
    const float w = acc_value(squares) / (float)(n - 1); // v·σ², at most 2S/(S − 1)
    float rs;
    float r;
    if (scale >= 1.0f)
    {
        // max|x| < 2: v = w/σ² cannot overflow, and r = 1/(2√(v + λ)) directly.
        const float t = fmax(w / (scale * scale) + lambda, FLT_MIN);
        r = 0.5f * accurate_rsqrt(t);
        rs = r / scale;
    }
    else
    {
        // max|x| ≥ 2: λσ² ≤ λ cannot overflow; r/σ = 1/(2√(w + λσ²)). A sum below FLT_MIN means a
        // constant plane (c = 0), where u = 0 whatever r is.
        const float t = w + lambda * scale * scale;
        rs = t >= FLT_MIN ? 0.5f * accurate_rsqrt(t) : 0.0f;
        r = t >= FLT_MIN ? rs * scale : 0.5f * accurate_rsqrt(fmax(lambda, FLT_MIN));
    }

    g.scale = scale;
    g.mean_hi = mean.hi;
    g.mean_lo = mean.lo;
    g.root = r;
    g.root_scaled = rs;
    g.finite = isfinite(max_abs);
#endif
    return g;
}

// u = (x − μ)·r, with μ carried as hi + lo: rounding μ to one float would shift every u by up to
// ulp(μ)·r, which on x = 100 + noise alone breaks the 2e-7·max|x| bound.
float centred(float x, gate_t g)
{
    return fma(x * g.scale - g.mean_hi, g.root_scaled, -g.mean_lo * g.root_scaled);
}

// s = sigmoid(u² + ½) and e = exp(−(u² + ½)). OpenCL's exp (not native_exp: its error is
// unspecified) is within 3 ulp, which moves s by at most 0.235·3 ulp; 1/(1 + e) is refined by one
// Newton step because OpenCL's float division may be off by 2.5 ulp.
float sigmoid_of_energy(float u, float* e_out)
{
    const float e = exp(-fma(u, u, 0.5f));
    const float d = 1.0f + e;
    const float s0 = 1.0f / d;
    *e_out = e;
    return fma(s0, fma(-d, s0, 1.0f), s0);
}

float gated(float x, gate_t g)
{
    float e;
    return x * sigmoid_of_energy(centred(x, g), &e);
}

// σ = 2^floor(log2 r), at least 2^-126: the backward weight is formed as g·(x·σ) rather than g·x, which
// overflows float once |g·x| passes 3.4e38 even where dx is small. σ is a power of two, so x·σ is exact and
// every later rounding is the one of the unscaled product; make_backward divides σ back out.
float weight_scale(gate_t gate)
{
    return ldexp(1.0f, max(ilogb(gate.root), -126));
}

// a°·u for the backward sums, a° = σ·a with a = g·x·s(1 − s). s(1 − s) is computed as e·s², because
// 1 − s from a rounded s loses all digits once s is within an ulp of 1.
float weighted(float x, float grad, gate_t gate, float sigma, float* u_out)
{
    const float u = centred(x, gate);
    float e;
    const float s = sigmoid_of_energy(u, &e);
    *u_out = u;
    return grad * (x * sigma) * (e * s * s) * u;
}

#ifdef SIMAM_FP64
// Planes under SMALL_PLANE values run the backward pass in double (u, s and the weight), as the engine's small-plane path
// does: on a 2-value plane u² is 1/8 up to λ and the bracket of dx cancels to about (1 − 8u²)·r·u·Σa, so float rounding
// of u or s leaves several times the bound on x = 100 + noise. Devices without fp64 hand such planes to the host
// (OpenClBackend), since no float formulation holds the bound there.
#define SMALL_PLANE 16u

double centred_double(float x, gate_t g)
{
    return ((double)x - g.mean) * g.root;
}

// a = g·x·s(1 − s) in double (s(1 − s) as e·s²), with s = sigmoid(u² + ½) in double; *s_out receives s.
double weight_double(float x, float grad, double u, double sigma, double* s_out)
{
    const double e = exp(-(u * u + 0.5));
    const double s = 1.0 / (1.0 + e);
    *s_out = s;
    return (double)grad * ((double)x * sigma) * (e * s * s);
}
#endif

acc_t part_backward(global const float* x, global const float* g, uint begin, uint end, uint n, gate_t gate, acc_t* a_u2)
{
    acc_t r1 = acc_zero();
    acc_t r2 = acc_zero();
    const float sigma = weight_scale(gate);
#ifdef SIMAM_FP64
    if (n < SMALL_PLANE)
    {
        for (uint i = begin + get_local_id(0); i < end; i += WG)
        {
            const double u = centred_double(x[i], gate);
            double s;
            const double a = weight_double(x[i], g[i], u, sigma, &s);
            r1 += a * u;
            r2 += a * u * u;
        }

        *a_u2 = r2;
        return r1;
    }
#else
    (void)n;
#endif
    for (uint i = begin + get_local_id(0); i < end; i += WG)
    {
        float u;
        const float au = weighted(x[i], g[i], gate, sigma, &u);
        r1 = acc_add(r1, au);
        r2 = acc_add(r2, au * u);
    }

    *a_u2 = r2;
    return r1;
}

// dx = g·s + 2k·a·c − (2k/S)·R1 − (8k²/(S−1))·R2·c, rewritten in u = c·r (k = r²):
// dx = g·s + u·(2r·a − D) − B with B = 2r·Σ(a·u)/S and D = 8r·Σ(a·u²)/(S − 1).
// The sums come in a° = σ·a: dividing by the power of two σ is exact, so the coefficients are those of
// the unscaled sums, and 2r/σ multiplies a° in the gradient.
typedef struct
{
    float sigma;
    float two_root; // 2r/σ
    float offset;   // B
    float slope;    // D
    real_t two_root_full;
    real_t offset_full;
    real_t slope_full;
} backward_t;

backward_t make_backward(gate_t gate, acc_t r1, acc_t r2, uint n)
{
    backward_t b;
    b.sigma = weight_scale(gate);
    const real_t two_root = 2 * gate.root / b.sigma; // exact, and at most 4: no overflow even in float
    b.two_root_full = two_root;
    b.offset_full = two_root * acc_value(r1) / (real_t)n;
    b.slope_full = 4 * two_root * acc_value(r2) / (real_t)(n - 1);
    b.two_root = (float)b.two_root_full;
    b.offset = (float)b.offset_full;
    b.slope = (float)b.slope_full;
    return b;
}

float gradient(float x, float grad, uint n, gate_t gate, backward_t b)
{
#ifdef SIMAM_FP64
    if (n < SMALL_PLANE)
    {
        const double ud = centred_double(x, gate);
        double sd;
        const double ad = weight_double(x, grad, ud, b.sigma, &sd);
        return (float)(((double)grad * sd) + (ud * ((b.two_root_full * ad) - b.slope_full)) - b.offset_full);
    }
#else
    (void)n;
#endif
    const float u = centred(x, gate);
    float e;
    const float s = sigmoid_of_energy(u, &e);
    const float a = grad * (x * b.sigma) * (e * s * s);
    return fma(grad, s, fma(u, fma(b.two_root, a, -b.slope), -b.offset));
}

void fill_nan(global float* y, uint begin, uint end)
{
    for (uint i = begin + get_local_id(0); i < end; i += WG)
    {
        y[i] = NAN;
    }
}

// The elementwise passes over the values [begin, end) of one plane, for the fused kernels (the whole
// plane) and the split ones (a chunk) alike.

// y = x·s, or NaN throughout for a plane that holds NaN or ±∞.
void forward_values(global const float* x, global float* y, uint begin, uint end, gate_t gate)
{
    if (!gate.finite)
    {
        fill_nan(y, begin, end);
        return;
    }

    for (uint i = begin + get_local_id(0); i < end; i += WG)
    {
        y[i] = gated(x[i], gate);
    }
}

// dx may be x or g itself: each value is read and written by the same work-item, after every
// reduction over the plane has finished.
void backward_values(global const float* x, global const float* g, global float* dx, uint begin, uint end, uint n, gate_t gate, backward_t b)
{
    for (uint i = begin + get_local_id(0); i < end; i += WG)
    {
        dx[i] = gradient(x[i], g[i], n, gate, b);
    }
}

// The whole statistics pipeline of one plane held by one work-group.
gate_t plane_gate(global const float* x, uint n, float lambda, local acc_t* scratch, local float* max_scratch)
{
#ifdef SIMAM_FP64
    (void)max_scratch;
    const float max_abs = 0.0f;
    const float scale = 1.0f;
#else
    const float max_abs = group_max(part_max(x, 0, n), max_scratch);
    if (!isfinite(max_abs))
    {
        gate_t g;
        g.finite = 0;
        return g;
    }

    const float scale = scale_for(max_abs);
#endif
    const acc_t sum = group_sum(part_sum(x, 0, n, scale), scratch);
    const acc_t squares = group_sum(part_centred_squares(x, 0, n, scale, mean_of(sum, n)), scratch);
    return make_gate(max_abs, sum, squares, n, lambda);
}

// ---------------------------------------------------------------------------------------------
// Fused kernels: one work-group per plane, global size = planes·WG.

kernel void simam_forward(global const float* x, global float* y, uint n, float lambda, uint first_plane)
{
    local acc_t scratch[WG];
    local float max_scratch[WG];
    const uint base = (first_plane + get_group_id(0)) * n;
    forward_values(x + base, y + base, 0, n, plane_gate(x + base, n, lambda, scratch, max_scratch));
}

kernel void simam_backward(global const float* x, global const float* g, global float* dx, uint n, float lambda, uint first_plane)
{
    local acc_t scratch[WG];
    local float max_scratch[WG];
    const uint base = (first_plane + get_group_id(0)) * n;
    global const float* px = x + base;
    global const float* pg = g + base;
    global float* pdx = dx + base;

    const gate_t gate = plane_gate(px, n, lambda, scratch, max_scratch);
    if (!gate.finite)
    {
        fill_nan(pdx, 0, n);
        return;
    }

    acc_t r2;
    const acc_t r1 = group_sum(part_backward(px, pg, 0, n, n, gate, &r2), scratch);
    r2 = group_sum(r2, scratch);
    backward_values(px, pg, pdx, 0, n, n, gate, make_backward(gate, r1, r2, n));
}

// ---------------------------------------------------------------------------------------------
// Split kernels: G work-groups per plane, NDRange (G·WG, planes), group (j, p) owns the chunk
// [j·chunk, min((j + 1)·chunk, n)) of plane first_plane + p. Each stage folds the previous stage's
// G partials of its plane in chunk order (every work-item the same way, so all agree), and writes
// one partial per chunk at [p·G + j].

uint chunk_begin(uint chunk) { return get_group_id(0) * chunk; }
uint chunk_end(uint chunk, uint n) { return min(chunk_begin(chunk) + chunk, n); }
uint partial_index(uint groups) { return get_group_id(1) * groups + get_group_id(0); }
uint plane_base(uint first_plane, uint n) { return (first_plane + get_group_id(1)) * n; }

float fold_max(global const float* partial, uint groups)
{
#ifdef SIMAM_FP64
    (void)partial;
    (void)groups;
    return 0.0f;
#else
    global const float* p = partial + get_group_id(1) * groups;
    float m = 0.0f;
    for (uint j = 0; j < groups; j++)
    {
        m = fmax(m, p[j]);
    }

    return m;
#endif
}

acc_t fold(global const acc_t* partial, uint groups)
{
    global const acc_t* p = partial + get_group_id(1) * groups;
    acc_t a = acc_zero();
    for (uint j = 0; j < groups; j++)
    {
        a = acc_combine(a, p[j]);
    }

    return a;
}

gate_t fold_gate(global const float* part_max_abs, global const acc_t* part_sums, global const acc_t* part_squares, uint groups, uint n, float lambda)
{
    const float max_abs = fold_max(part_max_abs, groups);
#ifndef SIMAM_FP64
    if (!isfinite(max_abs))
    {
        gate_t g;
        g.finite = 0;
        return g;
    }
#endif
    return make_gate(max_abs, fold(part_sums, groups), fold(part_squares, groups), n, lambda);
}

// σ of the plane from its chunks' max|x|; 1 in fp64 mode, whose sums are not scaled.
float fold_scale(global const float* part_max_abs, uint groups)
{
#ifdef SIMAM_FP64
    (void)part_max_abs;
    (void)groups;
    return 1.0f;
#else
    return scale_for(fold_max(part_max_abs, groups));
#endif
}

// Work-item 0 writes the group's total as the partial of its chunk.
void store_partial(global acc_t* partials, uint groups, acc_t total)
{
    if (get_local_id(0) == 0)
    {
        partials[partial_index(groups)] = total;
    }
}

kernel void simam_part_max(global const float* x, uint n, uint chunk, uint groups, uint first_plane, global float* part_max_abs)
{
#ifdef SIMAM_FP64
    (void)x;
    (void)n;
    (void)chunk;
    (void)groups;
    (void)first_plane;
    (void)part_max_abs;
#else
    local float max_scratch[WG];
    const float m = group_max(part_max(x + plane_base(first_plane, n), chunk_begin(chunk), chunk_end(chunk, n)), max_scratch);
    if (get_local_id(0) == 0)
    {
        part_max_abs[partial_index(groups)] = m;
    }
#endif
}

kernel void simam_part_sum(global const float* x, uint n, uint chunk, uint groups, uint first_plane, global const float* part_max_abs, global acc_t* part_sums)
{
    local acc_t scratch[WG];
    const float scale = fold_scale(part_max_abs, groups);
    store_partial(part_sums, groups, group_sum(part_sum(x + plane_base(first_plane, n), chunk_begin(chunk), chunk_end(chunk, n), scale), scratch));
}

kernel void simam_part_squares(global const float* x, uint n, uint chunk, uint groups, uint first_plane, global const float* part_max_abs, global const acc_t* part_sums, global acc_t* part_squares)
{
    local acc_t scratch[WG];
    const float scale = fold_scale(part_max_abs, groups);
    const mean_t mean = mean_of(fold(part_sums, groups), n);
    store_partial(part_squares, groups, group_sum(part_centred_squares(x + plane_base(first_plane, n), chunk_begin(chunk), chunk_end(chunk, n), scale, mean), scratch));
}

kernel void simam_forward_apply(global const float* x, global float* y, uint n, uint chunk, uint groups, uint first_plane, float lambda, global const float* part_max_abs, global const acc_t* part_sums, global const acc_t* part_squares)
{
    const uint base = plane_base(first_plane, n);
    forward_values(x + base, y + base, chunk_begin(chunk), chunk_end(chunk, n), fold_gate(part_max_abs, part_sums, part_squares, groups, n, lambda));
}

kernel void simam_backward_part(global const float* x, global const float* g, uint n, uint chunk, uint groups, uint first_plane, float lambda, global const float* part_max_abs, global const acc_t* part_sums, global const acc_t* part_squares, global acc_t* part_weighted)
{
    local acc_t scratch[WG];
    const uint base = plane_base(first_plane, n);
    const gate_t gate = fold_gate(part_max_abs, part_sums, part_squares, groups, n, lambda);
    acc_t r1 = acc_zero();
    acc_t r2 = acc_zero();
    if (gate.finite)
    {
        // gate.finite is the same for the whole group, so the barriers below are reached by all.
        r1 = part_backward(x + base, g + base, chunk_begin(chunk), chunk_end(chunk, n), n, gate, &r2);
    }

    r1 = group_sum(r1, scratch);
    r2 = group_sum(r2, scratch);
    if (get_local_id(0) == 0)
    {
        // Σ a·u partials first, then Σ a·u² partials: planes·groups of each.
        const uint at = partial_index(groups);
        part_weighted[at] = r1;
        part_weighted[get_num_groups(1) * groups + at] = r2;
    }
}

kernel void simam_backward_apply(global const float* x, global const float* g, global float* dx, uint n, uint chunk, uint groups, uint first_plane, float lambda, global const float* part_max_abs, global const acc_t* part_sums, global const acc_t* part_squares, global const acc_t* part_weighted)
{
    const uint base = plane_base(first_plane, n);
    global const float* px = x + base;
    global const float* pg = g + base;
    global float* pdx = dx + base;
    const uint begin = chunk_begin(chunk);
    const uint end = chunk_end(chunk, n);
    const gate_t gate = fold_gate(part_max_abs, part_sums, part_squares, groups, n, lambda);
    if (!gate.finite)
    {
        fill_nan(pdx, begin, end);
        return;
    }

    const acc_t r1 = fold(part_weighted, groups);
    const acc_t r2 = fold(part_weighted + get_num_groups(1) * groups, groups);
    backward_values(px, pg, pdx, begin, end, n, gate, make_backward(gate, r1, r2, n));
}
