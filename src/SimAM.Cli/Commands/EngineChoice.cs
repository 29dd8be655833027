using SimAM.Cli.Npy;

namespace SimAM.Cli.Commands;

/// <summary>
/// What <c>--backend</c>, <c>--device</c>, <c>--layout</c>, <c>--variant</c> and <c>--threads</c> asked for,
/// checked together: a value the tool does not know, or a combination the chosen backend cannot run, is a
/// one-line <see cref="CliException"/> before any file is read or any device is started.
/// </summary>
/// <param name="Backend">Where SimAM runs.</param>
/// <param name="Device">Which device of a GPU backend (see <see cref="CommonOptions.Device"/>), or <see langword="null"/> for its default device.</param>
/// <param name="Layout">How the tensor lies in memory.</param>
/// <param name="Variant">The gate's formula.</param>
/// <param name="Threads">The most threads the CPU engine may use, or <see langword="null"/> for all cores.</param>
internal sealed record EngineChoice(BackendKind Backend, string? Device, SimAmLayout Layout, SimAmVariant Variant, int? Threads)
{
    /// <summary>The <c>--layout</c> value for channels first, [N, C, spatial...].</summary>
    public const string Nchw = "nchw";

    /// <summary>The <c>--layout</c> value for channels last, [N, spatial..., C].</summary>
    public const string Nhwc = "nhwc";

    /// <summary>The <c>--variant</c> value for the reference module's formula.</summary>
    public const string Fast = "fast";

    /// <summary>The <c>--variant</c> value for the paper's leave-one-out closed form.</summary>
    public const string Exact = "exact";

    /// <summary>The <c>--backend</c> value for the CPU engine.</summary>
    public const string Cpu = "cpu";

    /// <summary>The <c>--backend</c> value for the OpenCL backend.</summary>
    public const string OpenCl = "opencl";

    /// <summary>The <c>--backend</c> value for the ILGPU backend.</summary>
    public const string Ilgpu = "ilgpu";

    /// <summary>Gets the CPU engine's options for this choice.</summary>
    public SimAmOptions CpuOptions => new() { MaxDegreeOfParallelism = Threads ?? -1, Layout = Layout, Variant = Variant };

    /// <summary>Parses and checks the options of <c>forward</c> and <c>backward</c>.</summary>
    /// <param name="backend">The <c>--backend</c> value.</param>
    /// <param name="device">The <c>--device</c> value, if given.</param>
    /// <param name="layout">The <c>--layout</c> value.</param>
    /// <param name="variant">The <c>--variant</c> value.</param>
    /// <param name="threads">The <c>--threads</c> value, if given.</param>
    /// <returns>The choice.</returns>
    /// <exception cref="CliException">A value is unknown, or the backend cannot run the combination.</exception>
    public static EngineChoice Parse(string backend, string? device, string layout, string variant, int? threads)
    {
        var choice = new EngineChoice(ParseBackend(backend), device, ParseLayout(layout), ParseVariant(variant), threads);
        EnsureBackendSupports(choice.Backend, device, choice.Layout);
        if (choice.Backend != BackendKind.Cpu)
        {
            if (choice.Variant != SimAmVariant.Fast)
            {
                throw new CliException($"--backend {Spelling(choice.Backend)} supports --variant {Fast} only; use --backend {Cpu} for --variant {Exact}");
            }

            if (threads is not null)
            {
                throw new CliException($"--threads caps the CPU engine's threads; it does not apply to --backend {Spelling(choice.Backend)}");
            }
        }

        return choice;
    }

    /// <summary>Refuses <c>--device</c> without a GPU backend, and a layout the GPU backends cannot run.</summary>
    /// <param name="backend">The backend.</param>
    /// <param name="device">The <c>--device</c> value, if given.</param>
    /// <param name="layout">The layout.</param>
    /// <exception cref="CliException">The combination is not supported.</exception>
    public static void EnsureBackendSupports(BackendKind backend, string? device, SimAmLayout layout)
    {
        if (backend == BackendKind.Cpu && device is not null)
        {
            throw new CliException($"--device selects a GPU backend's device; it needs --backend {OpenCl} or {Ilgpu}");
        }

        if (backend != BackendKind.Cpu && layout != SimAmLayout.ChannelsFirst)
        {
            throw new CliException($"--backend {Spelling(backend)} supports --layout {Nchw} only (its kernels are channels-first); use --backend {Cpu} for --layout {Nhwc}");
        }
    }

    /// <summary>Parses a <c>--layout</c> value.</summary>
    /// <param name="value">The text, case-insensitive.</param>
    /// <returns>The layout.</returns>
    /// <exception cref="CliException">Neither <c>nchw</c> nor <c>nhwc</c>.</exception>
    public static SimAmLayout ParseLayout(string value) => value.ToUpperInvariant() switch
    {
        "NCHW" => SimAmLayout.ChannelsFirst,
        "NHWC" => SimAmLayout.ChannelsLast,
        _ => throw new CliException($"--layout '{value}': expected {Nchw} or {Nhwc}"),
    };

    /// <summary>Parses a <c>--variant</c> value.</summary>
    /// <param name="value">The text, case-insensitive.</param>
    /// <returns>The variant.</returns>
    /// <exception cref="CliException">Neither <c>fast</c> nor <c>exact</c>.</exception>
    public static SimAmVariant ParseVariant(string value) => value.ToUpperInvariant() switch
    {
        "FAST" => SimAmVariant.Fast,
        "EXACT" => SimAmVariant.Exact,
        _ => throw new CliException($"--variant '{value}': expected {Fast} or {Exact}"),
    };

    /// <summary>Parses a <c>--backend</c> value.</summary>
    /// <param name="value">The text, case-insensitive.</param>
    /// <returns>The backend.</returns>
    /// <exception cref="CliException">Not <c>cpu</c>, <c>opencl</c> or <c>ilgpu</c>.</exception>
    public static BackendKind ParseBackend(string value) => value.ToUpperInvariant() switch
    {
        "CPU" => BackendKind.Cpu,
        "OPENCL" => BackendKind.OpenCl,
        "ILGPU" => BackendKind.Ilgpu,
        _ => throw new CliException($"--backend '{value}': expected {Cpu}, {OpenCl} or {Ilgpu}"),
    };

    /// <summary>How a backend is spelled on the command line.</summary>
    /// <param name="backend">The backend.</param>
    /// <returns><c>cpu</c>, <c>opencl</c> or <c>ilgpu</c>.</returns>
    public static string Spelling(BackendKind backend) => backend switch
    {
        BackendKind.OpenCl => OpenCl,
        BackendKind.Ilgpu => Ilgpu,
        _ => Cpu,
    };

    /// <summary>How a shape of <paramref name="layout"/> is written in messages.</summary>
    /// <param name="layout">The layout.</param>
    /// <returns><c>[N, C, spatial...]</c> or <c>[N, spatial..., C]</c>.</returns>
    public static string ShapePattern(SimAmLayout layout) =>
        layout == SimAmLayout.ChannelsLast ? "[N, spatial..., C]" : "[N, C, spatial...]";

    /// <summary>Refuses a tensor the chosen backend cannot run: the GPU backends take float32 only.</summary>
    /// <param name="dtype">The tensor's dtype.</param>
    /// <param name="path">The file it came from.</param>
    /// <exception cref="CliException">The backend is a GPU backend and the tensor is not float32.</exception>
    public void EnsureSupports(NpyDType dtype, string path)
    {
        if (Backend != BackendKind.Cpu && dtype != NpyDType.Float32)
        {
            throw new CliException(
                $"{path}: --backend {Spelling(Backend)} supports float32 only; got '{NpyHeader.Descr(dtype)}' (save x.astype('<f4') or use --backend {Cpu})");
        }
    }
}
