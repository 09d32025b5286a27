using System.Runtime.CompilerServices;

// The library's API is what a user of the package calls; the machinery under it (SIMD kernels,
// pipe formats, backward passes) is internal, shared only with the project's own assemblies.
[assembly: InternalsVisibleTo("videoaffect")]
[assembly: InternalsVisibleTo("VideoAffect.Brokers")]
[assembly: InternalsVisibleTo("VideoAffect.Benchmarking")]
[assembly: InternalsVisibleTo("VideoAffect.Cluster")]
[assembly: InternalsVisibleTo("VideoAffect.Tests")]
[assembly: InternalsVisibleTo("VideoAffect.Bench")]
[assembly: InternalsVisibleTo("videoaffect-gpukit")]
