using System.Globalization;
using FFMpegCore;

namespace VideoAffect.Media;

/// <summary>
/// One of a source's cover pictures: what ffmpeg calls an attached picture, a one-picture "video"
/// stream that no player plays as video. An MP4's or M4V's cover art (iTunes, yt-dlp
/// --embed-thumbnail) and a Matroska file's cover.jpg attachment both read so. The annotated video
/// carries it on where its container holds one (<see cref="AnnotatedVideoEncoder"/>): as the MP4's
/// cover, or as a Matroska attachment, byte for byte, never re-encoded.
/// </summary>
/// <param name="Number">Its place among the file's video streams, attached pictures counted (ffmpeg's <c>v:N</c>).</param>
/// <param name="Codec">ffprobe's codec name: mjpeg, png, bmp...</param>
/// <param name="FileName">A Matroska attachment's file name (cover.jpg, small_cover.png), or null.</param>
/// <param name="MimeType">A Matroska attachment's MIME type, or null.</param>
internal sealed record CoverPicture(int Number, string Codec, string? FileName, string? MimeType)
{
    /// <summary>The picture formats an MP4 cover (its 'covr' atom) may be in; ffmpeg's muxer refuses any other.</summary>
    static readonly Dictionary<string, (string Extension, string MimeType)> Formats = new(StringComparer.Ordinal)
    {
        ["mjpeg"] = (".jpg", "image/jpeg"),
        ["png"] = (".png", "image/png"),
        ["bmp"] = (".bmp", "image/bmp"),
    };

    /// <summary>Whether an MP4 can hold it as its cover.</summary>
    public bool Mp4Holds => Formats.ContainsKey(Codec);

    /// <summary>Whether it can be written out as an attachment: a picture format whose file type is known.</summary>
    public bool Attachable => MimeType is { Length: > 0 } || Formats.ContainsKey(Codec);

    /// <summary>The attachment's MIME type: its own, or its format's.</summary>
    public string AttachmentMimeType => MimeType is { Length: > 0 } own ? own : Formats[Codec].MimeType;

    /// <summary>
    /// The attachment's file name: its own, or the name Matroska's players look for, "cover" with
    /// its format's extension (the first picture; the next ones are numbered).
    /// </summary>
    public string AttachmentFileName(int kept) =>
        FileName is { Length: > 0 } own ? Path.GetFileName(own)
            : (kept == 0 ? "cover" : $"cover-{(kept + 1).ToString(CultureInfo.InvariantCulture)}") + Extension;

    /// <summary>The extension its picture is written with: its own file name's, or its format's.</summary>
    string Extension => FileName is { Length: > 0 } own && Path.GetExtension(own) is { Length: > 1 } ownExtension ? ownExtension
        : Formats.TryGetValue(Codec, out var format) ? format.Extension : ".bin";

    /// <summary>
    /// Writes the picture's bytes, as they are in the source (no decoding), to a file of its own
    /// under <paramref name="destination"/>, for ffmpeg's -attach.
    /// </summary>
    public async Task WriteAsync(string source, string destination)
    {
        var result = await FFMpegArguments
            .FromFileInput(FfmpegPath.Escape(source), verifyExists: false, o => o.WithCustomArgument(MediaLocation.InputOptions(source)))
            .OutputToFile(FfmpegPath.Escape(destination), overwrite: true, o => o
                .WithCustomArgument($"-map 0:v:{Number.ToString(CultureInfo.InvariantCulture)} -c copy -frames:v 1 -update 1")
                .ForceFormat("image2"))
            .WithLogLevel(FFMpegCore.Enums.FFMpegLogLevel.Error)
            .RunAsync();
        if (!result.Success || !File.Exists(destination))
            throw new VideoAffectException($"reading the cover picture of '{MediaLocation.Shown(source)}' failed ({FfmpegErrors.Reason(string.Join('\n', result.StandardError))})");
    }
}
