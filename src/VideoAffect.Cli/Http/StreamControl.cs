using VideoAffect.Live;

namespace VideoAffect.Cli.Http;

/// <summary>
/// Adding and removing a running monitor's streams (`monitor --control`): the command supplies what
/// checking and claiming a new stream's outputs takes; the HTTP endpoint calls it.
/// </summary>
public sealed record StreamControl(Action<LiveSourceSpec> Add, Func<string, Task<bool>> Remove);
