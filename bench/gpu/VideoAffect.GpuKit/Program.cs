using VideoAffect.GpuKit;

// videoaffect-gpukit pack DIR [--dry-run]          (here: data and expectations, needs OpenCV and the setup's data)
// videoaffect-gpukit run DIR OUT [--dry-run] [--seconds S] [--skip training,speed]   (there: checks and speeds, writes OUT/gpukit.json and .md)
// videoaffect-gpukit ptx DIR                         (there: every kernel's PTX for its GPU, for run.sh's ptxas report)
// Exit codes: 0 all checks passed, 1 a check failed, 2 usage or setup error.
try
{
    bool dryRun = args.Contains("--dry-run");
    var positional = args.Where(a => !a.StartsWith("--")).ToList();
    double seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault(dryRun ? 0.05 : 1.0);
    var skip = args.SkipWhile(a => a != "--skip").Skip(1).Take(1).SelectMany(a => a.Split(',')).ToHashSet();
    // Option values are not positional arguments.
    foreach (string option in new[] { "--seconds", "--skip" })
        if (args.ToList().IndexOf(option) is int at and >= 0 && at + 1 < args.Length) positional.Remove(args[at + 1]);
    switch (positional.FirstOrDefault())
    {
        case "pack" when positional.Count == 2:
            var data = Pack.Run(positional[1], dryRun);
            Console.WriteLine($"packed {data.Frames.Count} frames, {data.InputCount} network inputs into {positional[1]}");
            return 0;
        case "run" when positional.Count == 3:
            var report = DeviceRun.Run(positional[1], positional[2], dryRun, TimeSpan.FromSeconds(seconds), skip);
            report.Write(positional[2]);
            Console.Write(report.Markdown());
            // No accelerator (no CUDA device): the kit could not run at all, whatever the report says.
            return report.Device.Length == 0 ? 2 : report.Passed ? 0 : 1;
        case "ptx" when positional.Count == 2:
            var refused = PtxDump.Write(positional[1]);
            foreach (var line in refused) Console.Error.WriteLine($"videoaffect-gpukit: ILGPU refused {line}");
            return refused.Count == 0 ? 0 : 1;
        default:
            Console.Error.WriteLine("usage: videoaffect-gpukit pack DIR [--dry-run] | run DIR OUT [--dry-run] [--seconds S] [--skip training,speed] | ptx DIR");
            return 2;
    }
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"videoaffect-gpukit: error: {e.Message.Split('\n')[0]}");
    return 2;
}
