namespace VideoAffect;

/// <summary>
/// How the pictures a run writes (the annotated video, a monitor's recordings and live preview,
/// `classify --annotate`'s copies) hide each face found, so that what is kept of a camera is who felt
/// what, not who was there; the report then carries no face crops. Records and boxes are unchanged.
/// </summary>
public enum Anonymization
{
    /// <summary>Faces are shown as they are.</summary>
    None,
    /// <summary>Each face becomes 8 x 8 blocks of its own mean colours: eyes, nose and mouth are gone.</summary>
    Pixelate,
    /// <summary>A strong Gaussian blur: softer to look at, but an acquaintance may still know a blurred face.</summary>
    Blur,
    /// <summary>A flat grey box.</summary>
    Fill,
}
