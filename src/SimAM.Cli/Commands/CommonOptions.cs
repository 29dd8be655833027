using System.CommandLine;
using System.Globalization;

namespace SimAM.Cli.Commands;

/// <summary>The options several commands share, created fresh for each command.</summary>
internal static class CommonOptions
{
    /// <summary>Creates a required path option.</summary>
    /// <param name="name">The option name, e.g. <c>--input</c>.</param>
    /// <param name="description">The help text.</param>
    /// <returns>The option.</returns>
    public static Option<string> RequiredPath(string name, string description) =>
        new(name) { Description = description, Required = true, HelpName = "file" };

    /// <summary>Creates a path option that may be left out.</summary>
    /// <param name="name">The option name, e.g. <c>--json</c>.</param>
    /// <param name="description">The help text.</param>
    /// <returns>The option; its value is <see langword="null"/> when it is not given.</returns>
    public static Option<string?> OptionalPath(string name, string description) =>
        new(name) { Description = description, HelpName = "file" };

    /// <summary>Creates a whole-number option with a default, refused outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="name">The option name, e.g. <c>--channels</c>.</param>
    /// <param name="description">The help text.</param>
    /// <param name="defaultValue">The value when the option is not given.</param>
    /// <param name="helpName">The value's name in the help, e.g. <c>count</c>.</param>
    /// <param name="min">The least value allowed.</param>
    /// <param name="max">The greatest value allowed; <see cref="int.MaxValue"/> for no bound, which the error then does not name.</param>
    /// <returns>The option.</returns>
    public static Option<int> Number(string name, string description, int defaultValue, string helpName, int min, int max = int.MaxValue)
    {
        var option = new Option<int>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            HelpName = helpName,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var value && (value < min || value > max))
            {
                result.AddError(max == int.MaxValue
                    ? string.Create(CultureInfo.InvariantCulture, $"{name} must be {min} or more.")
                    : string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max}."));
            }
        });
        return option;
    }

    /// <summary>Creates <c>--lambda</c>: the regulariser λ, default 1e-4 as in the reference module.</summary>
    /// <returns>The option.</returns>
    public static Option<double> Lambda() => new("--lambda")
    {
        Description = "The regulariser lambda > 0 (the reference module uses 1e-4, the paper's ImageNet models 0.1).",
        DefaultValueFactory = _ => 1e-4,
        HelpName = "value",
    };

    /// <summary>Creates <c>--threads</c>: the most threads the engine may use, default all cores.</summary>
    /// <returns>The option.</returns>
    public static Option<int?> Threads()
    {
        var option = new Option<int?>("--threads")
        {
            Description = "The most threads the engine may use (default: all cores). Results are identical for any value.",
            HelpName = "N",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < 1)
            {
                result.AddError($"--threads must be 1 or more; got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        return option;
    }

    /// <summary>Creates <c>--layout</c>: how the tensor lies in memory, <c>nchw</c> (default) or <c>nhwc</c>.</summary>
    /// <returns>The option (its value is checked by <see cref="EngineChoice.ParseLayout"/>).</returns>
    public static Option<string> Layout() => new("--layout")
    {
        Description = "nchw: the shape is [N, C, spatial...]; nhwc: [N, spatial..., C] (channels last).",
        DefaultValueFactory = _ => EngineChoice.Nchw,
        HelpName = "nchw|nhwc",
    };

    /// <summary>Creates <c>--variant</c>: the gate's formula, <c>fast</c> (default) or <c>exact</c>.</summary>
    /// <returns>The option (its value is checked by <see cref="EngineChoice.ParseVariant"/>).</returns>
    public static Option<string> Variant() => new("--variant")
    {
        Description = "fast: the reference module's whole-plane statistics; exact: the paper's leave-one-out closed form.",
        DefaultValueFactory = _ => EngineChoice.Fast,
        HelpName = "fast|exact",
    };

    /// <summary>Creates <c>--backend</c>: where SimAM runs, <c>cpu</c> (default), <c>opencl</c> or <c>ilgpu</c>.</summary>
    /// <returns>The option (its value is checked by <see cref="EngineChoice.ParseBackend"/>).</returns>
    public static Option<string> Backend() => new("--backend")
    {
        Description = "cpu: the SimAM.Cpu SIMD engine; opencl: the OpenCL backend; ilgpu: the ILGPU backend (CUDA on NVIDIA GPUs). " +
            "The GPU backends take float32, nchw and the fast variant only.",
        DefaultValueFactory = _ => EngineChoice.Cpu,
        HelpName = "cpu|opencl|ilgpu",
    };

    /// <summary>Creates <c>--device</c>: which device of a GPU backend.</summary>
    /// <returns>The option.</returns>
    public static Option<string?> Device() => new("--device")
    {
        Description = "With --backend opencl or ilgpu: the first device whose name contains this text (case-insensitive). " +
            "Default: opencl the first GPU, else any device; ilgpu the first CUDA device, else the first OpenCL device ILGPU accepts. " +
            "--backend ilgpu --device cpu selects ILGPU's CPU accelerator (an emulated GPU, hundreds of times slower than the engine: for tests).",
        HelpName = "name",
    };
}
