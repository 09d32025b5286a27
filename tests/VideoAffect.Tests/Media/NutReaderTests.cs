using System.Diagnostics;
using System.Globalization;
using VideoAffect.Media.Nut;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Media;

/// <summary>
/// Our NUT reader (a live source's frames and sound with their times) against ffmpeg's own reading
/// of the same stream: every packet's stream, time and size as ffprobe lists them, and every byte as
/// ffmpeg copies it out. The streams are long enough (20 s) for ffmpeg to write syncpoints and to
/// code times by their low bits, at irregular frame times, with raw frames over the 4 KB above which
/// a frame carries a checksum, and MP2 sound, whose packets' first bytes NUT leaves out (elision headers).
/// </summary>
[Trait(IdleTimeClasses.Trait, IdleTimeClasses.Value)] // CPU and no timing: run in the suite's idle time by test.sh
public class NutReaderTests
{
    static readonly string[] Source =
    [
        "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=20,select='not(eq(mod(n\\,7)\\,3))',settb=1/1000,setpts='PTS+13*mod(N\\,3)'",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=20",
    ];

    [Theory]
    [InlineData("pcm_s16le", false)]
    [InlineData("pcm_s16le", true)]
    [InlineData("mp2", false)]
    public void Reads_every_packet_as_ffmpeg_does(string audioCodec, bool piped)
    {
        using var dir = TestPaths.NewTempFolder();
        string nut = dir.File("stream.nut");
        string[] encode = [.. Source, "-map", "0:v", "-map", "1:a", "-fps_mode", "passthrough", "-enc_time_base", "-1", "-c:v", "rawvideo", "-pix_fmt", "bgr24",
            "-c:a", audioCodec, "-ar", "48000", "-ac", "2", "-f", "nut"];
        if (piped)
        {
            // What a live source's reader gets: written to a pipe as it goes (no index at the end).
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-nostdin", "-v", "error" }.Concat(encode).Append("pipe:1")) start.ArgumentList.Add(a);
            using var ffmpeg = Process.Start(start)!;
            var error = ffmpeg.StandardError.ReadToEndAsync();
            using (var file = File.Create(nut)) ffmpeg.StandardOutput.BaseStream.CopyTo(file);
            ffmpeg.WaitForExit();
            Assert.True(ffmpeg.ExitCode == 0, error.Result);
        }
        else ProcessRunner.Tool("ffmpeg", ["-nostdin", "-v", "error", "-y", .. encode, nut]);

        var expected = ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "packet=stream_index,pts,size", "-of", "csv=p=0", nut)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(',')).Select(f => (Stream: int.Parse(f[0], CultureInfo.InvariantCulture), Pts: long.Parse(f[1], CultureInfo.InvariantCulture), Size: int.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
        var bases = ProcessRunner.Tool("ffprobe", "-v", "error", "-show_entries", "stream=time_base", "-of", "csv=p=0", nut)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(b => b.Split('/')).ToArray();

        var read = new List<(int Stream, long Pts, int Size)>();
        var bytes = new[] { new MemoryStream(), new MemoryStream() };
        using (var input = File.OpenRead(nut))
        {
            var reader = new NutReader(input);
            while (reader.Next(out var frame))
            {
                read.Add((frame.Stream, frame.Pts, frame.Size));
                Assert.Equal(bases[frame.Stream][0], frame.TimeBaseNum.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(bases[frame.Stream][1], frame.TimeBaseDen.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(frame.Pts * (double)frame.TimeBaseNum / frame.TimeBaseDen, frame.Time, 12);
                // Every other audio packet is skipped unread, as a reader that wants only some does.
                if (frame.Stream == 1 && read.Count(r => r.Stream == 1) % 2 == 0) continue;
                var data = new byte[frame.Size];
                reader.ReadData(data);
                bytes[frame.Stream].Write(data);
            }
        }
        Assert.True(expected.Count(e => e.Stream == 0) > 300 && expected.Count(e => e.Stream == 1) > 300, $"{expected.Count} packets");
        Assert.Equal(expected, read);
        // Irregular times (frames left out and moved): no fixed step could have given them.
        var videoSteps = expected.Where(e => e.Stream == 0).Select(e => e.Pts).Zip(expected.Where(e => e.Stream == 0).Select(e => e.Pts).Skip(1), (a, b) => b - a).Distinct().Count();
        Assert.True(videoSteps >= 3, $"{videoSteps} different frame steps");

        // The bytes: the video's whole, the audio's every other packet, as ffmpeg copies them out.
        var video = ProcessRunner.Run("ffmpeg", ["-nostdin", "-v", "error", "-i", nut, "-map", "0:v", "-c", "copy", "-f", "rawvideo", dir.File("video.raw")], TimeSpan.FromSeconds(60));
        Assert.True(video.ExitCode == 0, video.StandardError);
        Assert.True(File.ReadAllBytes(dir.File("video.raw")).AsSpan().SequenceEqual(bytes[0].ToArray()), "the frames' bytes differ");
        var packets = ProcessRunner.Tool("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "packet=data", "-show_data", "-of", "default=nw=1", nut);
        var audio = AudioPacketBytes(packets).Where((_, i) => i % 2 == 0).SelectMany(p => p).ToArray();
        Assert.True(audio.AsSpan().SequenceEqual(bytes[1].ToArray()), "the sound's bytes differ");
        if (audioCodec == "mp2") Assert.Equal(0xFF, audio[0]); // an MPEG audio frame's sync byte, which NUT leaves out of the stream
    }

    /// <summary>Each packet's bytes from ffprobe's hex dump ("00000000: 0102 0304 ...  text").</summary>
    static IEnumerable<byte[]> AudioPacketBytes(string dump)
    {
        List<byte>? current = null;
        foreach (var line in dump.Split('\n'))
        {
            if (line.StartsWith("data=", StringComparison.Ordinal))
            {
                if (current is not null) yield return [.. current];
                current = [];
                continue;
            }
            if (current is null || line.Length < 10 || line[8] != ':') continue;
            foreach (var group in line[10..Math.Min(line.Length, 50)].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                for (int i = 0; i + 1 < group.Length; i += 2) current.Add(byte.Parse(group.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        if (current is not null) yield return [.. current];
    }

    [Fact]
    public void Refuses_what_is_not_NUT_and_a_stream_cut_in_a_frame()
    {
        Assert.Throws<InvalidDataException>(() => new NutReader(new MemoryStream("RIFF....WAVEfmt nut/multimedia"u8.ToArray())).Next(out _));
        Assert.False(new NutReader(new MemoryStream()).Next(out _)); // nothing at all: the end

        using var dir = TestPaths.NewTempFolder();
        string nut = dir.File("short.nut");
        ProcessRunner.Tool("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=1", "-c:v", "rawvideo", "-pix_fmt", "bgr24", "-f", "nut", nut);
        var whole = File.ReadAllBytes(nut);
        var reader = new NutReader(new MemoryStream(whole[..(whole.Length / 2)]));
        Assert.Throws<EndOfStreamException>(() =>
        {
            while (reader.Next(out var frame)) reader.ReadData(new byte[frame.Size]);
        });
    }
}
