using System.Runtime.CompilerServices;

// The kernels are the library's machinery, not API: the library launches them, the tests hold them
// to their float64 references, and the GPU kit runs them on a device.
[assembly: InternalsVisibleTo("VideoAffect.Core")]
[assembly: InternalsVisibleTo("VideoAffect.Tests")]
[assembly: InternalsVisibleTo("VideoAffect.Bench")]
[assembly: InternalsVisibleTo("videoaffect-gpukit")]
// ILGPU's CPU accelerator runs kernels from a dynamic assembly of this name; it must see the
// kernels' internal parameter types (ILGPU's own advice for internal kernels).
[assembly: InternalsVisibleTo("ILGPURuntime")]
