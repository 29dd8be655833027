namespace SimAM.Kernels;

/// <summary>
/// The handful of operations the float kernels need at one SIMD width. The kernels are written once
/// against this interface and the JIT specialises them per width (the operand types are structs), so
/// the 128-, 256- and 512-bit paths share every line of algorithm and differ only here.
/// </summary>
/// <typeparam name="TF">The float vector type (for example <c>Vector512&lt;float&gt;</c>).</typeparam>
/// <typeparam name="TD">The double vector type with the same bit width.</typeparam>
internal interface ISimdOps<TF, TD>
    where TF : struct
    where TD : struct
{
    /// <summary>Gets the number of floats in <typeparamref name="TF"/>.</summary>
    static abstract int Count { get; }

    static abstract TF Load(ref float source, nuint index);

    static abstract void Store(TF value, ref float destination, nuint index);

    /// <summary>A non-temporal store to <paramref name="destination"/>, which must be aligned to the vector's size.</summary>
    static abstract unsafe void StoreStreaming(TF value, float* destination);

    static abstract TF Create(float value);

    static abstract TF Add(TF left, TF right);

    static abstract TF Subtract(TF left, TF right);

    static abstract TF Multiply(TF left, TF right);

    /// <summary>Gets a value indicating whether <see cref="MultiplyAdd"/> is a single rounding (hardware FMA).</summary>
    static abstract bool IsFusedMultiplyAddAccelerated { get; }

    /// <summary>left * right + addend, fused where the hardware has FMA.</summary>
    static abstract TF MultiplyAdd(TF left, TF right, TF addend);

    /// <summary>addend − left * right, fused where the hardware has FMA.</summary>
    static abstract TF NegatedMultiplyAdd(TF left, TF right, TF addend);

    /// <summary>Lane-wise maximum with the hardware's semantics (no NaN reaches it in the kernels).</summary>
    static abstract TF Max(TF left, TF right);

    /// <summary>Each lane of <paramref name="ifGreater"/> where <paramref name="left"/> &gt; <paramref name="right"/>, else of <paramref name="otherwise"/>.</summary>
    static abstract TF SelectGreater(TF left, TF right, TF ifGreater, TF otherwise);

    /// <summary>
    /// left / right, correctly rounded. Used once per vector for x / (1 + e): the divider runs beside
    /// the FMA pipes, so on current cores this is cheaper than a reciprocal estimate plus a Newton step
    /// plus two multiplications, and exact.
    /// </summary>
    static abstract TF Divide(TF left, TF right);

    /// <summary>Sets lanes below <paramref name="firstLane"/> to zero (masks an overlapped tail vector).</summary>
    static abstract TF KeepLanesFrom(TF value, int firstLane);

    /// <summary>
    /// Splits t ∈ [−125, 0] into n = round(t) and the returned fraction f = t − n ∈ [−½, ½];
    /// <paramref name="whole"/> holds n in the form <see cref="ScaleByPowerOfTwo"/> takes.
    /// </summary>
    static abstract TF SplitExponent(TF t, out TF whole);

    /// <summary>
    /// Lane-wise <see cref="WeightScale.Of"/>: the largest power of two not above each non-negative lane, and at least
    /// 2^-126 (an AND with the exponent field, then an integer maximum).
    /// </summary>
    static abstract TF PowerOfTwoFloor(TF value);

    /// <summary>
    /// Gets a value indicating whether <see cref="SplitExponent"/> and <see cref="ScaleByPowerOfTwo"/> take any
    /// finite t (AVX-512's vrndscaleps and vscalefps: 2^n for very negative n is simply 0). Elsewhere n goes into the
    /// exponent field by integer arithmetic, and t must first be clamped to [−125, 0].
    /// </summary>
    static abstract bool ScalesAnyExponent { get; }

    /// <summary>mantissa · 2^n, with n from <see cref="SplitExponent"/>.</summary>
    static abstract TF ScaleByPowerOfTwo(TF mantissa, TF whole);

    /// <summary>Loads <see cref="Count"/> floats and converts them to double (one instruction per half where the hardware allows).</summary>
    static abstract void LoadWidened(ref float source, nuint index, out TD lower, out TD upper);

    /// <summary>Converts to double: lanes [0, Count/2) into <paramref name="lower"/>, the rest into <paramref name="upper"/>.</summary>
    static abstract void Widen(TF value, out TD lower, out TD upper);

    /// <summary>As <see cref="Widen"/>, but lanes below <paramref name="firstLane"/> become <paramref name="fill"/>.</summary>
    static abstract void WidenFrom(TF value, int firstLane, TD fill, out TD lower, out TD upper);

    static abstract TD CreateDouble(double value);

    static abstract TD AddDouble(TD left, TD right);

    static abstract TD SubtractDouble(TD left, TD right);

    static abstract TD MultiplyAddDouble(TD left, TD right, TD addend);

    static abstract TD MultiplyDouble(TD left, TD right);

    static abstract TD DivideDouble(TD left, TD right);

    static abstract TD SqrtDouble(TD value);

    /// <summary>Sums the lanes in a fixed order (the same every call, so results are reproducible).</summary>
    static abstract double SumDouble(TD value);

    /// <summary>Rounds two double vectors to one float vector (round to nearest, as a C# cast): lower lanes first.</summary>
    static abstract TF Narrow(TD lower, TD upper);

    /// <summary>
    /// Gets a value indicating whether <see cref="Gather"/> and <see cref="Permute"/> are single instructions
    /// (AVX2 and AVX-512); the lane-per-plane kernel is used only then.
    /// </summary>
    static abstract bool IsGatherAccelerated { get; }

    /// <summary>Loads source[indices[i]] into lane i; the indices are int32 lanes carried in a float vector's bits.</summary>
    static abstract unsafe TF Gather(float* source, TF indices);

    /// <summary>Lane i of the result is lane indices[i] of <paramref name="table"/> (int32 indices in a float vector's bits).</summary>
    static abstract TF Permute(TF table, TF indices);
}
