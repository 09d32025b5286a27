using VideoAffect.Detection;
using VideoAffect.Detection.Cascade;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Haar;

/// <summary>OpenCV's cascade XML: every Haar cascade Debian ships loads; broken files give one clear error.</summary>
public class HaarCascadeReaderTests
{
    static string Default => Path.Combine(DetectorOptions.SystemCascadeDirectory, DetectorOptions.DefaultCascadeName);

    [Fact]
    public void The_frontal_face_cascade_loads_with_OpenCVs_structure()
    {
        var cascade = HaarCascadeReader.Load(Default);
        Assert.Equal((24, 24), (cascade.WindowWidth, cascade.WindowHeight));
        Assert.Equal(25, cascade.Stages.Length);
        Assert.Equal(2913, cascade.Trees.Length);             // stumps: one node and two leaves each
        Assert.Equal(cascade.Trees.Length, cascade.Nodes.Length);
        Assert.Equal(2 * cascade.Trees.Length, cascade.Leaves.Length);
        Assert.Equal(-5.0425500869750977f - 1e-5f, cascade.Stages[0].Threshold); // OpenCV's load-time margin
        Assert.False(cascade.HasTiltedFeatures);
    }

    [Fact]
    public void Every_Haar_cascade_in_opencv_data_loads_and_tilted_ones_say_so()
    {
        var files = Directory.GetFiles(DetectorOptions.SystemCascadeDirectory, "haarcascade_*.xml");
        Assert.True(files.Length >= 10, $"{files.Length} cascades in {DetectorOptions.SystemCascadeDirectory}");
        foreach (var file in files)
        {
            var cascade = HaarCascadeReader.Load(file);
            Assert.True(cascade.Stages.Length > 0 && cascade.Features.Length > 0, file);
            bool tiltedInXml = File.ReadAllText(file).Contains("<tilted>1</tilted>");
            Assert.True(tiltedInXml == cascade.HasTiltedFeatures, $"{Path.GetFileName(file)}: tilted {cascade.HasTiltedFeatures}, XML says {tiltedInXml}");
        }
    }

    public static TheoryData<string, string> BrokenCascades() => new()
    {
        { "not xml at all", "not valid XML" },
        { "<?xml version=\"1.0\"?><opencv_storage></opencv_storage>", "no opencv_storage element with a cascade" },
        { "<?xml version=\"1.0\"?><opencv_storage><cascade type_id=\"opencv-haar-classifier\"><size>24</size></cascade></opencv_storage>", "<size> must be 'width height'" },
        { "<?xml version=\"1.0\"?><opencv_storage><cascade><stageType>BOOST</stageType><featureType>LBP</featureType></cascade></opencv_storage>", "featureType is 'LBP'" },
    };

    [Theory]
    [MemberData(nameof(BrokenCascades))]
    public void Broken_files_are_one_clear_error(string content, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        File.WriteAllText(dir.File("bad.xml"), content);
        var error = Assert.Throws<CascadeFormatException>(() => HaarCascadeReader.Load(dir.File("bad.xml")));
        Assert.Contains(expected, error.Message);
        Assert.Contains("bad.xml", error.Message);
    }

    [Theory]
    [InlineData("0 -1 0 -3.1511999666690826e-02", "0 -1 999999 -3.1511999666690826e-02", "feature 999999 does not exist")]
    [InlineData("0 -1 0 -3.1511999666690826e-02", "0 1 0 -3.1511999666690826e-02", "not a later node")]
    [InlineData("2.0875380039215088e+00 -2.2172100543975830e+00", "2.0875380039215088e+00", "need 2 leaf values")]
    [InlineData("6 4 12 9 -1.", "6 4 12 90 -1.", "outside the 24x24 window")]
    [InlineData("-5.0425500869750977e+00", "minus five", "is not a number")]
    public void Damage_inside_a_real_cascade_is_named(string original, string damaged, string expected)
    {
        using var dir = TestPaths.NewTempFolder();
        string text = File.ReadAllText(Default);
        int at = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{original}' is in the cascade");
        File.WriteAllText(dir.File("damaged.xml"), string.Concat(text.AsSpan(0, at), damaged, text.AsSpan(at + original.Length)));
        var error = Assert.Throws<CascadeFormatException>(() => HaarCascadeReader.Load(dir.File("damaged.xml")));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_truncated_cascade_is_a_clear_error()
    {
        using var dir = TestPaths.NewTempFolder();
        string text = File.ReadAllText(Default);
        File.WriteAllText(dir.File("cut.xml"), text[..(text.Length / 2)]);
        var error = Assert.Throws<CascadeFormatException>(() => HaarCascadeReader.Load(dir.File("cut.xml")));
        Assert.Contains("not valid XML", error.Message);
    }

    /// <summary>
    /// A --cascade that is a folder or names no file is said to be one, by every Haar detector;
    /// "missing; run ./setup.sh" is for the default cascade alone (setup installs it).
    /// </summary>
    [Theory]
    [InlineData("simd", "folder")]
    [InlineData("opencv", "missing")]
    [InlineData("ilgpu", "folder")]
    public void A_cascade_given_that_is_no_file_is_said_to_be_a_folder_or_missing(string detector, string given)
    {
        using var dir = TestPaths.NewTempFolder();
        string path = given == "folder" ? dir.Path : dir.File("frontal.xml");
        var r = ProcessRunner.Cli(["classify", "--backend", "cpu", "--detector", detector, "--cascade", path, TestPaths.Photo("astronaut.png")]);
        Assert.Equal(2, r.ExitCode);
        string expected = given == "folder" ? "is a folder; give an OpenCV cascade XML file" : "does not exist";
        Assert.Equal($"videoaffect: error: face cascade '{path}' {expected}", r.StandardError.Trim());
    }
}
