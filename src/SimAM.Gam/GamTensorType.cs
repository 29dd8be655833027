namespace SimAM.Gam;

/// <summary>The element type a weight file is written in, named as safetensors names it.</summary>
public enum GamTensorType
{
    /// <summary>IEEE float32 (safetensors <c>F32</c>), what PyTorch modules hold: each value is rounded to the nearest float32.</summary>
    F32 = 0,

    /// <summary>IEEE float64 (safetensors <c>F64</c>): the values exactly as held.</summary>
    F64 = 1,
}
