using VideoAffect.Media;

namespace VideoAffect.Tests.Media;

/// <summary>Which sound codecs a camera may send that this ffmpeg decodes (`ffmpeg -codecs`): those are carried, others left out rather than fail the camera.</summary>
public sealed class FfmpegCodecsTests
{
    [Theory]
    [InlineData("aac", true)]
    [InlineData("pcm_mulaw", true)] // G.711, what most cameras send
    [InlineData("pcm_alaw", true)]
    [InlineData("adpcm_g726", true)]
    [InlineData("opus", true)]
    [InlineData("no_such_codec", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Decodable_codecs_are_known_by_ffprobe_s_names(string? codec, bool decodable) =>
        Assert.Equal(decodable, FfmpegCodecs.CanDecode(codec));
}
