using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace VideoAffect.Cluster;

/// <summary>
/// Places a camera's grain on the node the <see cref="CameraPlan"/> chose, named in the calling
/// request's context; without such a name, on the calling node. Prefer-local placement is not
/// enough: a call that reaches an activation being handed over is re-placed by the node it was
/// leaving, which would take the camera straight back.
/// </summary>
[GenerateSerializer]
public sealed class PlannedNodePlacement : PlacementStrategy
{
    /// <summary>The request-context key holding the chosen node's silo key (<see cref="Membership.Key"/>).</summary>
    public const string NodeKey = "videoaffect.node";

    /// <summary>Makes the grain calls of the current async flow place new activations on that node.</summary>
    public static void Choose(string siloKey) => RequestContext.Set(NodeKey, siloKey);
}

[AttributeUsage(AttributeTargets.Class)]
public sealed class PlannedNodePlacementAttribute() : PlacementAttribute(new PlannedNodePlacement());

public sealed class PlannedNodeDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (target.RequestContextData?.TryGetValue(PlannedNodePlacement.NodeKey, out var chosen) == true && chosen is string key)
            foreach (var silo in silos)
                if (Membership.Key(silo) == key) return Task.FromResult(silo);
        if (silos.Contains(context.LocalSilo)) return Task.FromResult(context.LocalSilo);
        return Task.FromResult(silos[Random.Shared.Next(silos.Length)]);
    }
}
