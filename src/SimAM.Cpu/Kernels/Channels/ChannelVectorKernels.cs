// The float channel-vector kernel of each SIMD width, spelled once. Each one hands runs shorter than its
// vector to the next narrower one, down to the scalar kernel.
global using ChannelKernel128 = SimAM.Kernels.Channels.ChannelVectorKernel<
    System.Runtime.Intrinsics.Vector128<float>, System.Runtime.Intrinsics.Vector128<double>,
    SimAM.Kernels.SimdOps128, SimAM.Kernels.Channels.ChannelVectorScalarKernel>;
global using ChannelKernel256 = SimAM.Kernels.Channels.ChannelVectorKernel<
    System.Runtime.Intrinsics.Vector256<float>, System.Runtime.Intrinsics.Vector256<double>,
    SimAM.Kernels.SimdOps256, SimAM.Kernels.Channels.ChannelVectorKernel<
        System.Runtime.Intrinsics.Vector128<float>, System.Runtime.Intrinsics.Vector128<double>,
        SimAM.Kernels.SimdOps128, SimAM.Kernels.Channels.ChannelVectorScalarKernel>>;
global using ChannelKernel512 = SimAM.Kernels.Channels.ChannelVectorKernel<
    System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<double>,
    SimAM.Kernels.SimdOps512, SimAM.Kernels.Channels.ChannelVectorKernel<
        System.Runtime.Intrinsics.Vector256<float>, System.Runtime.Intrinsics.Vector256<double>,
        SimAM.Kernels.SimdOps256, SimAM.Kernels.Channels.ChannelVectorKernel<
            System.Runtime.Intrinsics.Vector128<float>, System.Runtime.Intrinsics.Vector128<double>,
            SimAM.Kernels.SimdOps128, SimAM.Kernels.Channels.ChannelVectorScalarKernel>>>;
