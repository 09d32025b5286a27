using FFMpegCore;
using FFMpegCore.Enums;

namespace VideoAffect.Media;

/// <summary>
/// How every annotated video we write is encoded, in one place for the file encoder and the live
/// recorder alike: H.264 by x264 at the chosen preset and CRF 20, on one thread (the pipeline's own
/// stages need the cores), 4:2:0 for every player, with odd frame sides padded to even by one black
/// edge pixel (4:2:0 cannot hold an odd side; a 1x1 source works too).
/// Colours are converted with BT.709's matrix and the stream says so (BT.709 primaries, transfer
/// and matrix, limited range): an untagged stream is guessed at by players, BT.709 for HD by most
/// and BT.601 by ffmpeg, and ffmpeg's default conversion was BT.601, so an HD annotated video
/// showed every saturated colour shifted in a player. The decoders hand over frames in the
/// source's own colours (ffmpeg converts each by the matrix its source is tagged with).
/// </summary>
internal static class X264Output
{
    public static FFMpegOutputOptions Apply(FFMpegOutputOptions options, string preset) => options
        .WithVideoCodec(VideoCodec.LibX264)
        .WithCustomArgument($"-preset {preset}")
        .WithCustomArgument("-threads 1")
        .WithConstantRateFactor(20)
        .WithCustomArgument("-vf pad=ceil(iw/2)*2:ceil(ih/2)*2,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p")
        .WithCustomArgument("-colorspace bt709 -color_primaries bt709 -color_trc bt709 -color_range tv");
}
