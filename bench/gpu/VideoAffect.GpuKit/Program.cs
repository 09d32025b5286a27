using VideoAffect.GpuKit;

// videoaffect-gpukit pack DIR [--dry-run]          (here: data and expectations, needs OpenCV and the setup's data)
// videoaffect-gpukit run DIR OUT [--dry-run] [--seconds S]   (there: checks and speeds, writes OUT/gpukit.json and .md)
// Exit codes: 0 all checks passed, 1 a check failed, 2 usage or setup error.
try
{
    bool dryRun = args.Contains("--dry-run");
    var positional = args.Where(a => !a.StartsWith("--")).ToList();
    double seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(double.Parse).FirstOrDefault(dryRun ? 0.05 : 1.0);
    positional.RemoveAll(p => double.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out _));
    switch (positional.FirstOrDefault())
    {
        case "pack" when positional.Count == 2:
            var data = Pack.Run(positional[1], dryRun);
            Console.WriteLine($"packed {data.Frames.Count} frames, {data.InputCount} network inputs into {positional[1]}");
            return 0;
        case "run" when positional.Count == 3:
            var report = DeviceRun.Run(positional[1], dryRun, TimeSpan.FromSeconds(seconds));
            report.Write(positional[2]);
            Console.Write(report.Markdown());
            return report.Passed ? 0 : 1;
        default:
            Console.Error.WriteLine("usage: videoaffect-gpukit pack DIR [--dry-run] | run DIR OUT [--dry-run] [--seconds S]");
            return 2;
    }
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"videoaffect-gpukit: error: {e.Message.Split('\n')[0]}");
    return 2;
}
