namespace SimAM.Gam.IO;

/// <summary>The element types that tensor files (.npy, .npz, safetensors) hold and the readers here decode.</summary>
internal enum TensorElementType
{
    /// <summary>IEEE binary16: numpy <c>'&lt;f2'</c>, safetensors <c>F16</c>.</summary>
    Float16,

    /// <summary>bfloat16, the upper half of a float32: safetensors <c>BF16</c> (numpy has no such type).</summary>
    BFloat16,

    /// <summary>IEEE binary32: numpy <c>'&lt;f4'</c>, safetensors <c>F32</c>.</summary>
    Float32,

    /// <summary>IEEE binary64: numpy <c>'&lt;f8'</c>, safetensors <c>F64</c>.</summary>
    Float64,

    /// <summary>Signed 64-bit integer: numpy <c>'&lt;i8'</c>, safetensors <c>I64</c> (PyTorch's batch counters).</summary>
    Int64,
}
