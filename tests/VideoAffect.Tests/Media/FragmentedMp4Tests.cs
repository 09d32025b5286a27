using VideoAffect.Media;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// Which cut recording segments hold no frame (and are deleted by a failed recorder): exactly
/// those that end before their first key frame is whole, by ffprobe's own byte positions of the
/// packets; any other file is not judged (kept).
/// </summary>
public class FragmentedMp4Tests
{
    [Fact]
    public void A_segment_holds_no_frame_exactly_until_its_first_key_frame_is_whole()
    {
        using var dir = TestPaths.NewTempFolder();
        // As monitor records a segment (SegmentRecorder): fragmented, a fragment a second.
        string segment = dir.File("cam-20261205-120000+0000.mp4");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=3", "-c:v", "libx264", "-g", "10",
            "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000", segment);
        var packets = ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos,size", "-of", "csv=p=0", segment)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',').Select(long.Parse).ToArray()).ToList();
        long firstEnd = packets[0][0] + packets[0][1]; // pos,size of the first key frame
        var bytes = File.ReadAllBytes(segment);
        Assert.True(firstEnd < bytes.Length / 2, $"first frame ends at {firstEnd} of {bytes.Length}");
        foreach (long cut in new long[] { 0, 7, 40, packets[0][0] - 1, packets[0][0], firstEnd - 1, firstEnd, firstEnd + 1, bytes.Length / 2, bytes.Length })
        {
            string cutFile = dir.File($"cut{cut}.mp4");
            File.WriteAllBytes(cutFile, bytes[..(int)cut]);
            Assert.True(cut < firstEnd == FragmentedMp4.HoldsNoFrame(cutFile), $"cut at {cut} (first frame ends at {firstEnd})");
        }
        // Where it holds one, ffprobe decodes it.
        Assert.Equal("1", ProcessRunner.Tool("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
            "-of", "csv=p=0", dir.File($"cut{firstEnd}.mp4")).Trim());
    }

    [Fact]
    public void A_file_that_is_not_a_fragmented_mp4_is_not_judged()
    {
        using var dir = TestPaths.NewTempFolder();
        string plain = dir.File("plain.mp4"), fast = dir.File("fast.mp4");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-c:v", "libx264", plain);
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-i", plain, "-c", "copy", "-movflags", "+faststart", fast);
        var bytes = File.ReadAllBytes(plain);
        File.WriteAllBytes(dir.File("plain-cut.mp4"), bytes[..(bytes.Length / 2)]); // its samples, no index
        File.WriteAllText(dir.File("text.mp4"), "these are not the frames you are looking for");
        foreach (var name in new[] { "plain.mp4", "fast.mp4", "plain-cut.mp4", "text.mp4" })
            Assert.False(FragmentedMp4.HoldsNoFrame(dir.File(name)), name);
    }
}
