namespace SimAM.Gam.Compute.Lanes;

/// <summary>
/// The few vector operations the GEMM micro-kernel and the epilogues need, at one width and for one element type.
/// Kernels are written once against this interface; the JIT specialises them per struct, so the 512-, 256-,
/// 128-bit and scalar paths share every line of algorithm and differ only here.
/// </summary>
/// <typeparam name="T">The element type (float or double).</typeparam>
/// <typeparam name="TV">The vector type (for example <c>Vector512&lt;float&gt;</c>; <typeparamref name="T"/> itself for scalar code).</typeparam>
/// <remarks>
/// The SimAM engine's own <c>ISimdOps</c> is the operation set of its float gate with double accumulation; the GEMM
/// needs the same handful of element-generic operations for float and double alike, including a scalar "width",
/// hence this smaller interface.
/// </remarks>
internal interface ILanes<T, TV>
    where T : unmanaged
    where TV : struct
{
    /// <summary>Gets the number of elements in <typeparamref name="TV"/>.</summary>
    static abstract int Count { get; }

    /// <summary>Gets a vector of zeros.</summary>
    static abstract TV Zero { get; }

    /// <summary>Loads <see cref="Count"/> elements from an address with no alignment requirement.</summary>
    static abstract TV Load(ref T source);

    /// <summary>Stores <see cref="Count"/> elements to an address with no alignment requirement.</summary>
    static abstract void Store(TV value, ref T destination);

    /// <summary>Gets a vector with every element <paramref name="value"/>.</summary>
    static abstract TV Broadcast(T value);

    /// <summary>left · right + addend, with one rounding where the hardware has FMA.</summary>
    static abstract TV MultiplyAdd(TV left, TV right, TV addend);

    /// <summary>Element-wise sum.</summary>
    static abstract TV Add(TV left, TV right);

    /// <summary>Element-wise difference.</summary>
    static abstract TV Subtract(TV left, TV right);

    /// <summary>Element-wise product.</summary>
    static abstract TV Multiply(TV left, TV right);

    /// <summary>max(value, 0) element-wise, with NaN kept as NaN (a NaN must not become a silent 0).</summary>
    static abstract TV Relu(TV value);

    /// <summary>The bits of <paramref name="value"/> where <paramref name="mask"/> is all ones, zero where it is zero.</summary>
    static abstract TV And(TV value, TV mask);

    /// <summary><paramref name="value"/> where <paramref name="condition"/> &gt; 0, +0 elsewhere (NaN conditions too): a ReLU's gradient mask.</summary>
    static abstract TV WherePositive(TV value, TV condition);

    /// <summary>The sum of the elements, widened to double (the order of the additions is fixed per width).</summary>
    static abstract double Sum(TV value);

    /// <summary>Adds the elements, widened to double, to the <see cref="Count"/> doubles from <paramref name="target"/> on.</summary>
    static abstract void AddWidened(TV value, ref double target);
}
