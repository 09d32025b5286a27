namespace VideoAffect.Detection;

/// <summary>What a <see cref="FaceZone"/> does to the faces whose box centre is inside it.</summary>
public enum ZoneKind
{
    /// <summary>Those faces are not counted (a poster, a photo on a desk, a television in the background).</summary>
    Ignore,
    /// <summary>Only those faces are counted (the people at a counter, not the queue behind them); with several, inside any of them.</summary>
    Only,
}
