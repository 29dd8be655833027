namespace SimAM.Gam.Weights;

/// <summary>
/// The xoshiro256** generator (Blackman and Vigna), seeded through splitmix64: a small, fast generator whose
/// sequence is fixed by its definition, so that seeded initialisations are the same on every run, platform and
/// .NET version (<see cref="System.Random"/> documents no such guarantee).
/// </summary>
internal struct Xoshiro256StarStar
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Initializes a new instance of the <see cref="Xoshiro256StarStar"/> struct: the state is four splitmix64 outputs from <paramref name="seed"/>.</summary>
    /// <param name="seed">Any value; each gives a different sequence.</param>
    public Xoshiro256StarStar(ulong seed)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>Returns the next 64 random bits.</summary>
    /// <returns>The value.</returns>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Returns a uniform value in [0, 1): the top 53 bits of <see cref="NextUInt64"/>, scaled.</summary>
    /// <returns>The value, a multiple of 2^-53.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong value, int count) => (value << count) | (value >> (64 - count));
}
