using Orleans.Runtime;
using Orleans.Runtime.GrainDirectory;

namespace VideoAffect.Cluster;

/// <summary>
/// The cache Orleans keeps in front of the Redis grain directory, which only camera grains use,
/// kept empty: every call to a camera asks Redis where it is. A cached address is dropped only when
/// its node dies, so a node that looked a camera up while it was being handed over (its old
/// activation still registered) kept sending every later call to the node it left, which refused
/// it (the plan names another node) and let go: the camera stayed unplaced for as long as both
/// nodes lived (a failure of the cluster test, reproduced by holding a handed-over camera's
/// activation for 6 s). A camera is called once a supervisor round (2 s), so the lookup costs one
/// Redis read per camera per round.
/// </summary>
public sealed class UncachedDirectory : IGrainDirectoryCache
{
    public IEnumerable<(GrainAddress ActivationAddress, int Version)> KeyValues => [];
    public void AddOrUpdate(GrainAddress value, int version) { }
    public bool Remove(GrainId key) => false;
    public bool Remove(GrainAddress key) => false;
    public void Clear() { }
    public bool LookUp(GrainId key, out GrainAddress result, out int version)
    {
        result = default!;
        version = 0;
        return false;
    }
}
