using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VideoAffect.Bench;

/// <summary>
/// Adds operations per second and GFLOP/s columns, computed from each benchmark's mean time per
/// operation. The FLOP count comes from the benchmark class's static FlopsPerOperation property:
/// columns are computed in the host process, where no benchmark setup has run.
/// </summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new DerivedColumn("Op/s", (_, ns) => 1e9 / ns));
        AddColumn(new DerivedColumn("GFLOP/s", (type, ns) => FlopsOf(type) / ns));
    }

    static double FlopsOf(Type benchmark) =>
        benchmark.GetProperty("FlopsPerOperation", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null) is double flops ? flops : double.NaN;

    sealed class DerivedColumn(string name, Func<Type, double, double> fromNanoseconds) : IColumn
    {
        public string Id => name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => name == "Op/s" ? "operations (faces, frames) per second from the mean" : "GFLOP per second from the mean";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            return stats is null ? "-" : fromNanoseconds(benchmarkCase.Descriptor.Type, stats.Mean).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
