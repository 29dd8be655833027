using System;

namespace SimAM.Benchmarks.Infrastructure;

/// <summary>The buffers every method of a suite shares, so all of them move the same bytes.</summary>
public sealed class TensorBuffers
{
    public TensorBuffers(TensorShape shape)
    {
        Shape = shape;
        var random = new Random(42);
        Input = new float[shape.ElementCount];
        GradOutput = new float[shape.ElementCount];
        Output = new float[shape.ElementCount];
        for (var i = 0; i < Input.Length; i++)
        {
            Input[i] = (float)((random.NextDouble() * 4) - 2);
            GradOutput[i] = (float)((random.NextDouble() * 2) - 1);
        }

        Statistics = new PlaneStatistics[shape.PlaneCount];
        SimAm.Forward(Input, Output, shape.Dimensions, Statistics);
    }

    public TensorShape Shape { get; }

    public float[] Input { get; }

    public float[] GradOutput { get; }

    public float[] Output { get; }

    public PlaneStatistics[] Statistics { get; }
}
