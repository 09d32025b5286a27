using Orleans.Runtime;

namespace VideoAffect.Cluster;

/// <summary>
/// Which nodes are alive, as Orleans' membership protocol decides it (probes, votes, the table in
/// Redis). The registries use nothing else to decide that a node's cameras and jobs are orphans.
/// </summary>
public static class Membership
{
    public static string Key(SiloAddress silo) => silo.ToParsableString();

    /// <summary>The members that are active now, by silo key.</summary>
    public static Dictionary<string, string> Living(IClusterMembershipService membership) =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .ToDictionary(m => Key(m.SiloAddress), m => m.Name);

    /// <summary>True when membership has declared that silo dead or leaving; false for a silo it has not heard of yet.</summary>
    public static bool IsGone(IClusterMembershipService membership, string siloKey)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(siloKey));
        return status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping;
    }
}
