using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using SimAM.Tests.Reference;
using Xunit;

namespace SimAM.Gpu.Tests;

/// <summary>
/// The device against PyTorch: tests/SimAM.Cpu.Tests/Golden/simam_golden.json holds the authors' module
/// evaluated with float64 autograd on float32 inputs (tests/torch/generate_golden.py).
/// </summary>
[Collection(OpenClTestGroup.Name)]
public sealed class GoldenFileTests(OpenClFixture fixture, ITestOutputHelper output)
{
    [OpenClTheory]
    [MemberData(nameof(OpenClFixture.Variants), MemberType = typeof(OpenClFixture))]
    public void Every_golden_case_matches_pytorch_float64(string variant)
    {
        var backend = fixture[variant];
        var cases = GoldenCase.Load();
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var planeSize = Shapes.PlaneSize(c.Shape);
            var context = $"{backend.Name} golden {c.Name}";

            var y = new float[c.X.Length];
            backend.Forward(c.X, y, c.Shape, c.Lambda);
            Accuracy.AssertForward(c.X, y, c.Y, planeSize, context);

            var dx = new float[c.X.Length];
            backend.Backward(c.X, c.GradOutput, dx, c.Shape, c.Lambda);
            Accuracy.AssertBackward(dx, c.GradInput, planeSize, context);
        }

        output.WriteLine($"{cases.Count} golden cases passed on {backend.Name}");
    }
}

/// <summary>One case of the golden file.</summary>
internal sealed record GoldenCase(string Name, int[] Shape, float Lambda, float[] X, float[] GradOutput, double[] Y, double[] GradInput)
{
    public static List<GoldenCase> Load()
    {
        var path = Path.Combine(System.AppContext.BaseDirectory, "Golden", "simam_golden.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new GoldenCase(
            c.GetProperty("name").GetString()!,
            [.. c.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())],
            (float)c.GetProperty("lambda").GetDouble(),
            Floats(c.GetProperty("x")),
            Floats(c.GetProperty("gradOutput")),
            Doubles(c.GetProperty("y")),
            Doubles(c.GetProperty("gradInput"))))];
    }

    // The file writes each float32 as the double of the same value, so the cast is exact.
    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(v => (float)v.GetDouble())];

    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetDouble())];
}
