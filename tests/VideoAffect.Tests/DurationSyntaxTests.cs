using VideoAffect.Cli.Commands;

namespace VideoAffect.Tests;

/// <summary>
/// The one time syntax of every option, as users type positions (--start 9:30) and lengths: units
/// alone or together, clock times read as players and ffmpeg read them (9:30 is minutes and
/// seconds, not .NET's hours and minutes), bare numbers in the option's unit, and typos refused.
/// </summary>
public class DurationSyntaxTests
{
    [Theory]
    [InlineData("90", 90)]
    [InlineData("2.5", 2.5)]
    [InlineData("500ms", 0.5)]
    [InlineData("5s", 5)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("9m30s", 570)]
    [InlineData("1h2m3.5s", 3723.5)]
    [InlineData("1m250ms", 60.25)]
    [InlineData("9:30", 570)]
    [InlineData("0:05.25", 5.25)]
    [InlineData("1:02:03.5", 3723.5)]
    [InlineData("00:10:00", 600)]
    [InlineData("26:00:00", 93600)]
    [InlineData("1.02:00:00", 93600)] // a .NET TimeSpan with days
    [InlineData("7d", 604800)] // how long recordings are kept
    [InlineData("1d12h", 129600)]
    public void Each_form_gives_its_seconds(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, bareMilliseconds: false, out var value));
        Assert.Equal(seconds, value.TotalSeconds, tolerance: 1e-6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-5s")]
    [InlineData("5q")]
    [InlineData("1:75")]
    [InlineData("1:60:00")]
    [InlineData("1:2:3:4")]
    [InlineData("s")]
    [InlineData("5s10m")]
    [InlineData("2h1d")]
    public void Typos_are_refused(string text) => Assert.False(Durations.TryParse(text, bareMilliseconds: false, out _));

    [Fact]
    public void A_bare_number_is_the_options_own_unit() =>
        Assert.Equal(TimeSpan.FromMilliseconds(20), Durations.TryParse("20", bareMilliseconds: true, out var v) ? v : TimeSpan.Zero);

    [Theory]
    [InlineData("123", 123L)]
    [InlineData("100K", 100L * 1024)]
    [InlineData("500M", 500L << 20)]
    [InlineData("20G", 20L << 30)]
    [InlineData("1.5T", 3L << 39)]
    [InlineData("20GB", 20L << 30)]
    [InlineData("20GiB", 20L << 30)]
    [InlineData("64b", 64L)]
    public void Sizes_read_as_df_writes_them(string text, long bytes)
    {
        Assert.True(ByteSizes.TryParse(text, out long value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("20X")]
    [InlineData("-5G")]
    [InlineData("0")]
    [InlineData("20 GG")]
    public void Sizes_that_are_not_are_refused(string text) => Assert.False(ByteSizes.TryParse(text, out _));

    [Theory]
    [InlineData("800k", 800_000L)]
    [InlineData("2.5M", 2_500_000L)]
    [InlineData("1500kbps", 1_500_000L)]
    [InlineData("64000", 64_000L)]
    [InlineData("6 Mbit/s", 6_000_000L)]
    [InlineData("10k", 10_000L)]
    public void Bit_rates_read_as_streaming_settings_write_them(string text, long bitsPerSecond)
    {
        Assert.True(Bitrates.TryParse(text, out long value));
        Assert.Equal(bitsPerSecond, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("9k")] // no picture fits in less than 10 kbit/s
    [InlineData("2G")] // beyond what any uplink takes: a mistyped unit
    [InlineData("-1M")]
    [InlineData("2MB")] // bytes, where streaming settings count bits
    public void Bit_rates_that_are_not_are_refused(string text) => Assert.False(Bitrates.TryParse(text, out _));
}
