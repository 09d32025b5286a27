namespace VideoAffect.Detection;

/// <summary>One corner of a <see cref="FaceZone"/>: pixels, or percent of the frame's width and height when the zone says so.</summary>
public readonly record struct ZoneCorner(double X, double Y);
