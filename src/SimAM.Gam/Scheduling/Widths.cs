using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SimAM.Gam.Compute;
using SimAM.Gam.Compute.Lanes;

namespace SimAM.Gam.Scheduling;

/// <summary>A pass written once against <see cref="ILanes{T, TV}"/>, run at the width <see cref="Widths.Run{T, TPass}"/> picks.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal interface IWidthPass<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Runs the pass at one width.</summary>
    void Run<TV, TLanes>()
        where TV : struct
        where TLanes : ILanes<T, TV>;
}

/// <summary>The one place where a resolved <see cref="SimAmKernel"/> becomes a vector width, and the tile sizes of each width.</summary>
internal static class Widths
{
    /// <summary>Runs <paramref name="pass"/> at <paramref name="kernel"/>'s width (already resolved to a supported one).</summary>
    public static void Run<T, TPass>(SimAmKernel kernel, ref TPass pass)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPass : struct, IWidthPass<T>
    {
        switch (kernel)
        {
            case SimAmKernel.Vector512:
                pass.Run<Vector512<T>, Lanes512<T>>();
                break;
            case SimAmKernel.Vector256:
                pass.Run<Vector256<T>, Lanes256<T>>();
                break;
            case SimAmKernel.Vector128:
                pass.Run<Vector128<T>, Lanes128<T>>();
                break;
            default:
                pass.Run<T, LanesScalar<T>>();
                break;
        }
    }

    /// <summary>Gets the output channels per micro-kernel block at a width: 8 with the 32 registers of AVX-512, else 4.</summary>
    public static int BlockRows(SimAmKernel kernel) => kernel == SimAmKernel.Vector512 ? MicroKernel.WideRows : MicroKernel.Rows;

    /// <summary>Gets the positions of one micro-kernel tile at a width.</summary>
    public static int TilePositions<T>(SimAmKernel kernel)
        where T : unmanaged => MicroKernel.Vectors * kernel switch
        {
            SimAmKernel.Vector512 => 64,
            SimAmKernel.Vector256 => 32,
            SimAmKernel.Vector128 => 16,
            _ => Unsafe.SizeOf<T>(),
        } / Unsafe.SizeOf<T>();
}
