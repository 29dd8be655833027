// The float kernel of each SIMD width, spelled once. Each one hands spans shorter than its vector to
// the next narrower one, down to the scalar kernel.
global using PlaneKernel128 = SimAM.Kernels.Planes.VectorizedPlaneKernel<
    System.Runtime.Intrinsics.Vector128<float>, System.Runtime.Intrinsics.Vector128<double>,
    SimAM.Kernels.SimdOps128, SimAM.Kernels.Planes.ScalarPlaneKernel>;
global using PlaneKernel256 = SimAM.Kernels.Planes.VectorizedPlaneKernel<
    System.Runtime.Intrinsics.Vector256<float>, System.Runtime.Intrinsics.Vector256<double>,
    SimAM.Kernels.SimdOps256, SimAM.Kernels.Planes.VectorizedPlaneKernel<
        System.Runtime.Intrinsics.Vector128<float>, System.Runtime.Intrinsics.Vector128<double>,
        SimAM.Kernels.SimdOps128, SimAM.Kernels.Planes.ScalarPlaneKernel>>;
global using PlaneKernel512 = SimAM.Kernels.Planes.VectorizedPlaneKernel<
    System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<double>,
    SimAM.Kernels.SimdOps512, SimAM.Kernels.Planes.VectorizedPlaneKernel<
        System.Runtime.Intrinsics.Vector256<float>, System.Runtime.Intrinsics.Vector256<double>,
        SimAM.Kernels.SimdOps256, SimAM.Kernels.Planes.VectorizedPlaneKernel<
            System.Runtime.Intrinsics.Vector128<float>, System.Runtime.Intrinsics.Vector128<double>,
            SimAM.Kernels.SimdOps128, SimAM.Kernels.Planes.ScalarPlaneKernel>>>;
