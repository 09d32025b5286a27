using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/VideoAffect.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(VideoAffect.Bench.NetworkBenchmarks).Assembly).Run(args);
