using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Compute;

/// <summary>
/// The element-wise and tile steps of a GAM backward pass at one width (the convolutions' gradients are
/// <see cref="GamStages{T, TV, TLanes}.Convolution"/> with <see cref="BackwardFilters{T}"/> and the <see cref="GradientKernel"/>):
/// the output gate's gradient, the BatchNorm backward map, and the channel MLP's backward pass on one tile.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TV">The vector type of the width.</typeparam>
/// <typeparam name="TLanes">The width.</typeparam>
internal static class GradientStages<T, TV, TLanes>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TLanes : ILanes<T, TV>
{
    /// <summary>
    /// The gradient at the output gate for map channel <paramref name="o"/> of one sample: with s = sigmoid(z2·scale + shift)
    /// recomputed from the kept map, ∂x1[c] = ∂y[c]·s for each channel c that s multiplies (written to
    /// <paramref name="gradientInputs"/>, the first share of x1's gradient), and ∂v2 = (Σ_c ∂y[c]·x1[c])·s·(1 − s), the gradient
    /// before the sigmoid (written to <paramref name="gradientMap"/>, one padded plane).
    /// </summary>
    /// <remarks>
    /// A chunk of whole rows at a time (<see cref="PaddedGeometry.ChunkRows"/>), the kept map's and ∂y's rows laid out as in
    /// the padded planes (zeros in the padding columns, so that both results are zero there); three chunks of
    /// <paramref name="scratch"/>.
    /// </remarks>
    public static void OutputGate(
        GamPlan<T> plan, int o, ReadOnlySpan<T> keptMap, T scale, T shift, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> x1, Span<T> gradientInputs, Span<T> gradientMap, Span<T> scratch)
    {
        var geometry = plan.Geometry;
        var stride = geometry.PlaneStride;
        var plane = plan.PlaneSize;
        var capacity = geometry.ChunkLength;
        var (first, count) = plan.OutChannels == 1 ? (0, plan.Channels) : (plan.ShuffledChannel(o), 1);
        for (var h = 0; h < geometry.Height; h += geometry.ChunkRows)
        {
            var (rows, position, length) = geometry.Chunk(h);
            var gate = scratch[..length];
            var gradient = scratch.Slice(capacity, length);
            var staged = scratch.Slice(2 * capacity, length);
            geometry.PadRows(keptMap, h, rows, gate);
            TensorPrimitives.Multiply(gate, scale, gate);
            TensorPrimitives.Add(gate, shift, gate);
            Logistic<T>.InPlace(gate);
            if (count == 1 && length >= TLanes.Count)
            {
                // One channel behind the map (out = C): the remaining steps in one pass over the chunk.
                geometry.PadRows(gradOutput.Slice(first * plane, plane), h, rows, staged);
                OneChannel(staged, x1.Slice((first * stride) + position, length), gate, gradientInputs.Slice((first * stride) + position, length), gradientMap.Slice(position, length));
                continue;
            }

            gradient.Clear();
            for (var c = first; c < first + count; c++)
            {
                geometry.PadRows(gradOutput.Slice(c * plane, plane), h, rows, staged);
                TensorPrimitives.MultiplyAdd(staged, x1.Slice((c * stride) + position, length), gradient, gradient);
                TensorPrimitives.Multiply(staged, gate, gradientInputs.Slice((c * stride) + position, length));
            }

            var target = gradientMap.Slice(position, length);
            TensorPrimitives.Subtract(T.One, gate, staged);
            TensorPrimitives.Multiply(gradient, gate, target);
            TensorPrimitives.Multiply(target, staged, target);
        }
    }

    /// <summary>
    /// ∂x1 = ∂y·s and ∂v2 = ((∂y·x1) + 0)·s·(1 − s) a vector at a time: the products and sums of the general path, in its
    /// order, so the same bits (the last vector overlaps the one before where the length is not a multiple of the width;
    /// it recomputes the same values, since the results go elsewhere).
    /// </summary>
    private static void OneChannel(ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> x1, ReadOnlySpan<T> gate, Span<T> gradientInputs, Span<T> gradientMap)
    {
        var lanes = TLanes.Count;
        var length = gate.Length;
        ref var dy = ref MemoryMarshal.GetReference(gradOutput);
        ref var x = ref MemoryMarshal.GetReference(x1);
        ref var s = ref MemoryMarshal.GetReference(gate);
        ref var dx1 = ref MemoryMarshal.GetReference(gradientInputs);
        ref var dv = ref MemoryMarshal.GetReference(gradientMap);
        var one = TLanes.Broadcast(T.One);
        for (var i = 0; ; i += lanes)
        {
            var at = Math.Min(i, length - lanes);
            var (d, g) = (TLanes.Load(ref Unsafe.Add(ref dy, at)), TLanes.Load(ref Unsafe.Add(ref s, at)));
            TLanes.Store(TLanes.Multiply(d, g), ref Unsafe.Add(ref dx1, at));
            var product = TLanes.Add(TLanes.Multiply(d, TLanes.Load(ref Unsafe.Add(ref x, at))), TLanes.Zero);
            TLanes.Store(TLanes.Multiply(TLanes.Multiply(product, g), TLanes.Subtract(one, g)), ref Unsafe.Add(ref dv, at));
            if (at == length - lanes)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Zeroes <paramref name="gradient"/> where <paramref name="activation"/> (a ReLU's output) is not positive, a vector at
    /// a time (the last vector overlaps the one before where the length is not a multiple of the width: zeroing twice is
    /// zeroing once).
    /// </summary>
    public static void ReluMask(Span<T> gradient, ReadOnlySpan<T> activation)
    {
        var lanes = TLanes.Count;
        var length = gradient.Length;
        ref var g = ref MemoryMarshal.GetReference(gradient);
        ref var a = ref MemoryMarshal.GetReference(activation);
        if (length < lanes)
        {
            for (var i = 0; i < length; i++)
            {
                Unsafe.Add(ref g, i) = LanesScalar<T>.WherePositive(Unsafe.Add(ref g, i), Unsafe.Add(ref a, i));
            }

            return;
        }

        for (var i = 0; ; i += lanes)
        {
            var at = Math.Min(i, length - lanes);
            TLanes.Store(TLanes.WherePositive(TLanes.Load(ref Unsafe.Add(ref g, at)), TLanes.Load(ref Unsafe.Add(ref a, at))), ref Unsafe.Add(ref g, at));
            if (at == length - lanes)
            {
                return;
            }
        }
    }

    /// <summary>
    /// BatchNorm's backward map on one plane, in place at its data positions: ∂z = a·∂v + b·(z − mean) + c with the channel's
    /// coefficients (b = c = 0 in eval mode, where BatchNorm is a fixed affine map), a chunk of whole rows at a time; the
    /// padding stays zero (<paramref name="mask"/>, one plane long).
    /// </summary>
    public static void NormBackward(in PaddedGeometry geometry, T[] mask, Span<T> gradient, ReadOnlySpan<T> keptMap, T mean, T a, T b, T c, bool batchStatistics, Span<T> scratch)
    {
        for (var h = 0; h < geometry.Height; h += geometry.ChunkRows)
        {
            var (rows, position, length) = geometry.Chunk(h);
            var g = gradient.Slice(position, length);
            if (!batchStatistics)
            {
                TensorPrimitives.Multiply(g, a, g);
                continue;
            }

            var d = scratch[..length];
            geometry.PadRows(keptMap, h, rows, d);
            if (length >= TLanes.Count)
            {
                NormMap(g, d, mask.AsSpan(position, length), mean, a, b, c);
                continue;
            }

            TensorPrimitives.Multiply(g, a, g);
            TensorPrimitives.Subtract(d, mean, d);
            TensorPrimitives.MultiplyAdd(d, b, g, g);
            TensorPrimitives.Add(g, c, g);
            TensorPrimitives.BitwiseAnd(g, mask.AsSpan(position, length), g);
        }
    }

    /// <summary>
    /// ∂z = ((z − mean)·b + a·∂v) + c, masked, a vector at a time: the operations of the general path in its order, so the
    /// same bits (the last vector overlaps the one before where the length is not a multiple of the width; it reads the
    /// staged map and the mask, never ∂v, again, so the overlapped lanes come out the same).
    /// </summary>
    private static void NormMap(Span<T> gradient, ReadOnlySpan<T> keptMap, ReadOnlySpan<T> mask, T mean, T a, T b, T c)
    {
        var lanes = TLanes.Count;
        var length = gradient.Length;
        ref var g = ref MemoryMarshal.GetReference(gradient);
        ref var z = ref MemoryMarshal.GetReference(keptMap);
        ref var m = ref MemoryMarshal.GetReference(mask);
        var (meanVector, aVector, bVector, cVector) = (TLanes.Broadcast(mean), TLanes.Broadcast(a), TLanes.Broadcast(b), TLanes.Broadcast(c));

        // The overlapped lanes of the last vector must start from ∂v, which the vector before has overwritten: keep it.
        var last = length - lanes;
        var tail = TLanes.Load(ref Unsafe.Add(ref g, last));
        for (var i = 0; ; i += lanes)
        {
            var at = Math.Min(i, last);
            var v = at == last ? tail : TLanes.Load(ref Unsafe.Add(ref g, at));
            var scaled = TLanes.Multiply(v, aVector);
            var centred = TLanes.Subtract(TLanes.Load(ref Unsafe.Add(ref z, at)), meanVector);
            var sum = TLanes.Add(TLanes.Add(TLanes.Multiply(centred, bVector), scaled), cVector);
            TLanes.Store(TLanes.And(sum, TLanes.Load(ref Unsafe.Add(ref m, at))), ref Unsafe.Add(ref g, at));
            if (at == last)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The channel MLP's backward pass on one tile. With u = ReLU(W1·x + b1) and a = W2·u + b2 recomputed from
    /// <paramref name="x"/> (the same operations as the forward pass), and ∂x1 from <paramref name="gradientInputs"/>:
    /// ∂x = ∂x1 ⊙ gate(a) + W1ᵀ·∂p with ∂a = ∂x1 ⊙ x ⊙ gate′(a), ∂u = W2ᵀ·∂a and ∂p = ∂u ⊙ [u &gt; 0], written to the sample's
    /// gradient <paramref name="gradInput"/>. For the weight gradients the tile leaves ∂a in <paramref name="gradientInputs"/>,
    /// u in <paramref name="hiddenPlanes"/> and ∂p in <paramref name="gradientHidden"/> (padding positions zero).
    /// </summary>
    public static void ChannelMlpTile(
        GamPlan<T> plan, Span<T> x, Span<T> gradientInputs, Span<T> hiddenPlanes, Span<T> gradientHidden, int tileStart,
        Span<T> hidden, Span<T> hiddenGradient, Span<T> inputGradient, Span<T> tile, Span<T> gradInput)
    {
        var nr = GamStages<T, TV, TLanes>.TilePositions;
        var geometry = plan.Geometry;
        var stride = geometry.PlaneStride;
        var linear2 = plan.Linear2;
        var backward = plan.Backward!;
        var mask = plan.Mask.AsSpan(tileStart, nr);
        ref var mask0 = ref MemoryMarshal.GetReference(mask);
        ref var hiddenGradient0 = ref MemoryMarshal.GetReference(hiddenGradient);
        ref var tile0 = ref MemoryMarshal.GetReference(tile);

        // u, as in the forward pass; kept in the hidden planes (masked) for W2's gradient.
        var vectors = GamStages<T, TV, TLanes>.TileVectors(geometry, tileStart);
        GamStages<T, TV, TLanes>.HiddenTile(plan, x, tileStart, hidden, vectors);
        for (var j = 0; j < plan.Hidden; j++)
        {
            TensorPrimitives.BitwiseAnd(hidden.Slice(j * nr, nr), mask, hiddenPlanes.Slice((j * stride) + tileStart, nr));
        }

        // The gate, as in the forward pass; ∂x's direct share into the C-row scratch, ∂a in place of ∂x1.
        var sigmoid = plan.ChannelGate == GamChannelGate.Sigmoid;
        var one = TLanes.Broadcast(T.One);
        for (var b = 0; b < linear2.BlocksPerGroup; b++)
        {
            GamStages<T, TV, TLanes>.GateBlock(plan, hidden, b, tile, vectors);
            for (var r = 0; r < linear2.RowsIn(b); r++)
            {
                // One loop per channel (a tile's row is whole vectors): ∂x's direct share ∂x1·gate, and ∂a = ∂x1·x, times
                // gate·(1 − gate) for the sigmoid.
                var c = linear2.FirstChannel(0, b) + r;
                ref var dx1 = ref gradientInputs[(c * stride) + tileStart];
                ref var values = ref x[(c * stride) + tileStart];
                ref var gates = ref tile[r * nr];
                ref var share = ref inputGradient[c * nr];
                for (var i = 0; i < nr; i += TLanes.Count)
                {
                    var d = TLanes.Load(ref Unsafe.Add(ref dx1, i));
                    var gate = TLanes.Load(ref Unsafe.Add(ref gates, i));
                    TLanes.Store(TLanes.Multiply(d, gate), ref Unsafe.Add(ref share, i));
                    d = TLanes.Multiply(d, TLanes.Load(ref Unsafe.Add(ref values, i)));
                    TLanes.Store(sigmoid ? TLanes.Multiply(TLanes.Multiply(d, gate), TLanes.Subtract(one, gate)) : d, ref Unsafe.Add(ref dx1, i));
                }
            }
        }

        // ∂u = W2ᵀ·∂a, then ∂p = ∂u where u > 0 (kept for W1's gradient).
        var transposed2 = backward.Linear2;
        for (var b = 0; b < transposed2.BlocksPerGroup; b++)
        {
            ref var rows = ref hiddenGradient[b * transposed2.Rows * nr];
            MicroKernel.Block<T, TV, TLanes>(
                transposed2.Rows, ref transposed2.Panel(0, b), ref gradientInputs[tileStart], ref plan.Linear1Offsets[0], plan.Channels, false, ref rows, nr, ref rows, nr, transposed2.Rows,
                vectors);
            for (var r = 0; r < transposed2.RowsIn(b); r++)
            {
                var j = transposed2.FirstChannel(0, b) + r;
                ref var gradient = ref hiddenGradient[j * nr];
                ref var activation = ref hidden[j * nr];
                ref var kept = ref gradientHidden[(j * stride) + tileStart];
                for (var i = 0; i < nr; i += TLanes.Count)
                {
                    var p = TLanes.WherePositive(TLanes.Load(ref Unsafe.Add(ref gradient, i)), TLanes.Load(ref Unsafe.Add(ref activation, i)));
                    p = TLanes.And(p, TLanes.Load(ref Unsafe.Add(ref mask0, i)));
                    TLanes.Store(p, ref Unsafe.Add(ref gradient, i));
                    TLanes.Store(p, ref Unsafe.Add(ref kept, i));
                }
            }
        }

        // ∂x = direct share + W1ᵀ·∂p, stored at the tile's data positions.
        var transposed1 = backward.Linear1;
        for (var b = 0; b < transposed1.BlocksPerGroup; b++)
        {
            var first = transposed1.FirstChannel(0, b);
            ref var partial = ref inputGradient[first * nr];
            MicroKernel.Block<T, TV, TLanes>(
                transposed1.Rows, ref transposed1.Panel(0, b), ref hiddenGradient0, ref plan.Linear2Offsets[0], plan.Hidden, true, ref partial, nr, ref tile0, nr, transposed1.RowsIn(b),
                vectors);
            for (var r = 0; r < transposed1.RowsIn(b); r++)
            {
                geometry.Unpad<T>(tile.Slice(r * nr, nr), tileStart, gradInput.Slice((first + r) * plan.PlaneSize, plan.PlaneSize));
            }
        }
    }
}
