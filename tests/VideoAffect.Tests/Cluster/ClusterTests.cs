using System.Diagnostics;
using System.Text.Json;
using VideoAffect.Tests.Support;

namespace VideoAffect.Tests.Cluster;

/// <summary>
/// Real node processes in a cluster whose membership lives in Debian's redis-server (started here on
/// a free 127.0.0.1 port): six cameras spread over three nodes; one node killed with SIGKILL and its
/// cameras running again on the others within 30 s, their records resuming there, `cluster status`
/// agreeing; Redis killed under the running cluster (one line from each node, the cameras going on)
/// and back (the cluster answers again); the killed node back, cameras spreading out to it; a camera removed; six recorded videos with a node killed
/// mid-job; a job with options of its own; a wrong Redis address refused with one line.
/// </summary>
public class ClusterTests
{
    /// <summary>
    /// One cluster for everything, as nodes are costly to start on two cores: cameras and jobs on
    /// three nodes, the node analysing a video killed, Redis killed and back, the dead node back.
    /// </summary>
    [Fact]
    public async Task Cameras_and_jobs_of_a_killed_node_move_to_the_others_and_Redis_may_come_and_go()
    {
        using var dir = TestPaths.NewTempFolder();
        using var redis = new RedisServer(persistent: true);
        string cluster = $"redis://127.0.0.1:{redis.Port}";
        // Jobs of 1.5 s on a fast idle machine, about 4 s on a slow loaded one: the kill, a poll of
        // stderr and a process start after "analysing" must land inside one (they came too late
        // with 45 frames, and with 120 once a faster machine did a job in 0.7 s).
        string clip = Clips.MovingFace(dir.File("face.mp4"), frames: 240, fps: 15, width: 320, height: 240, audio: false);
        // The cameras at 2 fps: what is checked of them (placement, failover, records resuming and
        // growing without Redis) needs frames, not many. Six at 15 fps would take most of two cores
        // from the nodes' jobs; from 5 fps to 2 the test's processes went from 97.6 CPU-s to 84-91 alone,
        // and from 105 to 76 in a suite run (2026-12-07).
        string cameraClip = Clips.MovingFace(dir.File("camera.mp4"), frames: 6, fps: 2, width: 320, height: 240, audio: false);
        string recordings = dir.File("recordings");
        Directory.CreateDirectory(recordings);
        // Six: two rounds on three nodes, so that jobs still wait when the killed node's job runs again.
        // Ten checked nothing more and cost more: this test took 127 CPU-s with ten, 110 with six (one run each, 2026-12-07).
        var videos = Enumerable.Range(1, 6).Select(i => { File.Copy(clip, Path.Combine(recordings, $"talk{i}.mp4")); return Path.Combine(recordings, $"talk{i}.mp4"); }).ToList();
        string outputs = dir.File("out");
        var nodes = new Dictionary<string, RunningCli>();
        int httpPort = RtspTestServer.FreePort();
        RunningCli StartNode(string name) => nodes[name] = new RunningCli(["node", "--cluster", cluster, "--name", name, "--records", dir.File(name),
            "--loop", "--backend", "cpu", "--max-jobs", "1", .. name == "a" ? new[] { "--http", $"127.0.0.1:{httpPort}" } : []],
            // A handed-over camera's activation stays registered 4 s after it stopped, as on a loaded
            // node: a joiner that looked it up then must still get it (it kept the old node's address).
            environment: new Dictionary<string, string> { ["VIDEOAFFECT_TEST_STOPPED_CAMERA_LINGER_S"] = "4" });
        try
        {
            foreach (var name in new[] { "a", "b", "c" }) StartNode(name);
            foreach (var (name, node) in nodes) await node.WaitForAsync($"node {name} joined the cluster", TimeSpan.FromSeconds(90));

            var cameras = Enumerable.Range(1, 6).Select(i => $"cam{i}").ToList();
            var added = ProcessRunner.Cli(["cluster", "add", "--cluster", cluster, .. cameras.Select(c => $"{c}={cameraClip}")], timeoutSeconds: 60);
            Assert.True(added.ExitCode == 0, added.StandardError);
            var placed = await WaitForStatusAsync(cluster, s => s.Cameras.Values.All(n => n is not null) && s.Nodes.All(n => s.Cameras.Values.Count(c => c == n) == 2),
                "every camera running, two on each node");
            Assert.Equal(["a", "b", "c"], placed.Nodes);
            Assert.All(placed.Nodes, n => Assert.Equal(2, placed.Cameras.Values.Count(c => c == n)));
            var text = ProcessRunner.Cli(["cluster", "status", "--cluster", cluster], timeoutSeconds: 60);
            Assert.Contains("nodes: a (2 of 16 cameras, 0 job(s)), b (2 of 16 cameras, 0 job(s)), c (2 of 16 cameras, 0 job(s))", text.StandardOutput);
            foreach (var (camera, node) in placed.Cameras) Assert.Contains($"{camera}: {node} ({cameraClip})", text.StandardOutput); // the command says what the client read
            // Node a's /metrics shows the whole placement.
            using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") })
            {
                string metrics = await http.GetStringAsync("/metrics");
                foreach (var (camera, node) in placed.Cameras)
                    Assert.Matches($@"videoaffect_cluster_placement\{{[^}}]*camera=""{camera}""[^}}]*node=""{node}""[^}}]*\}} 1", metrics);
                Assert.Matches(@"videoaffect_cluster_nodes(\{[^}]*\})? 3", metrics);
            }

            // A folder of six recorded videos, into Matroska; the first node to analyse one dies without a word, mid-job.
            var submit = Task.Run(() => ProcessRunner.Cli(["cluster", "submit", "--cluster", cluster, "--output", outputs, "--wait", "--faces", "--video-format", "mkv", recordings], timeoutSeconds: 300));
            string? victim = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (victim is null && DateTime.UtcNow < deadline)
            {
                victim = nodes.FirstOrDefault(n => n.Value.StandardError.Contains(": analysing")).Key;
                if (victim is null) await Task.Delay(20);
            }
            Assert.NotNull(victim);
            var moved = placed.Cameras.Where(c => c.Value == victim).Select(c => c.Key).ToList();
            var clock = Stopwatch.StartNew();
            ProcessRunner.Run("kill", ["-KILL", nodes[victim!].Id.ToString()], TimeSpan.FromSeconds(5));
            var after = await WaitForStatusAsync(cluster, s => !s.Nodes.Contains(victim!) && s.Cameras.Values.All(n => n is not null && n != victim),
                $"{victim}'s cameras running elsewhere", TimeSpan.FromSeconds(30));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"failover took {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(6, after.Cameras.Count);
            foreach (var camera in moved)
            {
                // Their records resume on the nodes that took them.
                string records = Path.Combine(dir.File(after.Cameras[camera]!), $"{camera}.jsonl");
                await WaitUntilAsync(() => File.Exists(records) && File.ReadAllLines(records).Length > 0, $"{camera}'s records on {after.Cameras[camera]}");
            }

            // Every video complete, each written once: the killed node's job ran again elsewhere.
            var result = await submit;
            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
            Assert.Contains("2 run(s)", result.StandardOutput);
            foreach (var video in videos)
            {
                string stem = Path.Combine(outputs, Path.GetFileNameWithoutExtension(video) + ".annotated"); // as `analyze VIDEOS -o outputs/ --video-format mkv` names them
                Assert.Equal(240, Clips.CountFrames(stem + ".mkv"));
                foreach (var line in File.ReadAllLines(stem + ".jsonl")) JsonDocument.Parse(line).Dispose();
                using var summary = JsonDocument.Parse(File.ReadAllText(stem + ".summary.json"));
                Assert.Equal("complete", summary.RootElement.GetProperty("status").GetString());
            }
            // No .partial left, no extra copy, no hidden file of the killed run's (the 19th file once, unnamed).
            var left = Directory.GetFiles(outputs).Select(Path.GetFileName).Order().ToList();
            Assert.True(left.Count == 3 * videos.Count, $"{left.Count} files: {string.Join(", ", left)}");
            // Each video's faces folder in place, the killed run's partial one taken over by its rerun.
            Assert.Equal(videos.Select(v => Path.GetFileNameWithoutExtension(v) + ".annotated.faces").Order(), Directory.GetDirectories(outputs).Select(Path.GetFileName).Order());
            Assert.All(videos, v => Assert.NotEmpty(Directory.GetFiles(Path.Combine(outputs, Path.GetFileNameWithoutExtension(v) + ".annotated.faces"), "*.jpg")));

            // Redis dies under the running cluster: each node says so once; the cameras go on.
            var living = nodes.Where(n => n.Key != victim).ToList();
            redis.Kill();
            foreach (var (_, node) in living) await node.WaitForAsync("lost the cluster's Redis", TimeSpan.FromSeconds(20));
            string someRecords = Path.Combine(dir.File(after.Cameras["cam2"]!), "cam2.jsonl");
            int before = File.ReadAllLines(someRecords).Length;
            await WaitUntilAsync(() => File.ReadAllLines(someRecords).Length > before + 3, "cam2's records growing without Redis");
            var away = ProcessRunner.Cli(["cluster", "status", "--cluster", cluster], timeoutSeconds: 60);
            Assert.Equal(2, away.ExitCode);
            Assert.Single(away.StandardError.Trim().Split('\n'));
            // It comes back with its data: the nodes say so, and the cluster answers again.
            redis.Start();
            foreach (var (_, node) in living) await node.WaitForAsync("answers again", TimeSpan.FromSeconds(20));
            foreach (var (_, node) in living) Assert.Single(node.StandardError.Split('\n'), l => l.Contains("lost the cluster's Redis"));
            await WaitForStatusAsync(cluster, s => s.Cameras.Count == 6 && s.Cameras.Values.All(n => n is not null && n != victim), "the cluster after Redis returned");

            // The dead node comes back: cameras spread out to it (two each).
            nodes[victim!].Dispose();
            await StartNode(victim!).WaitForAsync($"node {victim} joined the cluster", TimeSpan.FromSeconds(90));
            var spread = await WaitForStatusAsync(cluster, s => s.Nodes.Contains(victim!) && s.Cameras.Values.Count(n => n == victim) == 2 && s.Cameras.Values.All(n => n is not null),
                $"cameras handed to {victim} when it joined");
            Assert.All(spread.Nodes, n => Assert.Equal(2, spread.Cameras.Values.Count(c => c == n)));

            // A camera removed stops and leaves the status.
            var removed = ProcessRunner.Cli(["cluster", "remove", "--cluster", cluster, "cam1"], timeoutSeconds: 60);
            Assert.True(removed.ExitCode == 0, removed.StandardError);
            var final = await WaitForStatusAsync(cluster, s => !s.Cameras.ContainsKey("cam1"), "cam1 gone");
            Assert.Equal(5, final.Cameras.Count);

            // A job with options of its own, as analyze takes them: a part, wall-clock times, CSV
            // records, a report, no annotated video, the tracks' faces (before 0.18 every job was a plain analyze).
            string partOut = dir.File("parts");
            var part = ProcessRunner.Cli(["cluster", "submit", "--cluster", cluster, "--output", partOut, "--wait", videos[0], "--start", "2s", "--end", "6s",
                "--recorded-at", "2026-12-04T08:00:00Z", "--records-format", "csv", "--report", "--no-video", "--faces"], timeoutSeconds: 120);
            Assert.True(part.ExitCode == 0, part.StandardOutput + part.StandardError);
            Assert.Equal(["talk1.annotated.csv", "talk1.annotated.html", "talk1.annotated.summary.json"], Directory.GetFiles(partOut).Select(Path.GetFileName).Order());
            // The faces folder as analyze --faces writes it, put in place by the node when the run completed:
            // each face named by its track's start in the video (inside the part), with its description.
            string facesOut = Path.Combine(partOut, "talk1.annotated.faces");
            Assert.Equal([facesOut], Directory.GetDirectories(partOut));
            var faceFiles = Directory.GetFiles(facesOut).Select(Path.GetFileName).Where(n => n != ".videoaffect-output").Order().ToList();
            var pictures = faceFiles.Where(n => n!.EndsWith(".jpg")).ToList();
            Assert.NotEmpty(pictures);
            Assert.Equal(pictures.Select(n => Path.ChangeExtension(n, ".json")).Concat(pictures).Order(), faceFiles);
            Assert.All(pictures, n => Assert.InRange(double.Parse(n![..10], System.Globalization.CultureInfo.InvariantCulture), 2, 6)); // 000002.067_1_happy.jpg
            using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(partOut, "talk1.annotated.summary.json"))))
            {
                Assert.Equal(60, summary.RootElement.GetProperty("frames_decoded").GetInt32()); // [2 s, 6 s) at 15 fps
                Assert.Equal(new DateTime(2026, 12, 4, 8, 0, 0, DateTimeKind.Utc), summary.RootElement.GetProperty("recorded_at").GetDateTime().ToUniversalTime());
            }
            var rows = File.ReadAllLines(Path.Combine(partOut, "talk1.annotated.csv"));
            Assert.StartsWith("time,utc,frame,", rows[0]);
            Assert.True(rows.Length > 30, $"{rows.Length - 1} records");
            Assert.All(rows.Skip(1), row => Assert.InRange(double.Parse(row.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture), 2, 6));
            Assert.Contains("<th>recorded at</th>", File.ReadAllText(Path.Combine(partOut, "talk1.annotated.html")));
            // `cluster status` says how the job ran and where its outputs are.
            var jobs = ProcessRunner.Cli(["cluster", "status", "--cluster", cluster, "--json"], timeoutSeconds: 60);
            Assert.True(jobs.ExitCode == 0, jobs.StandardError);
            using (var status = JsonDocument.Parse(jobs.StandardOutput))
            {
                var job = status.RootElement.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("outputs").GetProperty("summary").GetString()!.StartsWith(partOut, StringComparison.Ordinal));
                Assert.Equal("done", job.GetProperty("state").GetString());
                Assert.Equal(JsonValueKind.Null, job.GetProperty("outputs").GetProperty("video").ValueKind);
                Assert.Equal(Path.Combine(partOut, "talk1.annotated.csv"), job.GetProperty("outputs").GetProperty("events").GetString());
                Assert.Equal(Path.Combine(partOut, "talk1.annotated.html"), job.GetProperty("outputs").GetProperty("report").GetString());
                Assert.Equal(facesOut, job.GetProperty("outputs").GetProperty("faces").GetString());
                var options = job.GetProperty("options");
                Assert.Equal((2.0, 6.0, true, true, true, true), (options.GetProperty("start").GetDouble(), options.GetProperty("end").GetDouble(),
                    options.GetProperty("csv").GetBoolean(), options.GetProperty("report").GetBoolean(), options.GetProperty("no_video").GetBoolean(),
                    options.GetProperty("faces").GetBoolean()));
                Assert.Equal(JsonValueKind.Null, options.GetProperty("video_format").ValueKind);
                // The folder's jobs say the container they were asked for, and name their video in it.
                var folderJobs = status.RootElement.GetProperty("jobs").EnumerateArray()
                    .Where(j => Path.GetDirectoryName(j.GetProperty("outputs").GetProperty("summary").GetString()) == outputs).ToList();
                Assert.Equal(videos.Count, folderJobs.Count);
                Assert.All(folderJobs, j => Assert.Equal(("mkv", ".mkv"),
                    (j.GetProperty("options").GetProperty("video_format").GetString(), Path.GetExtension(j.GetProperty("outputs").GetProperty("video").GetString()))));
            }
            Assert.Contains($" -> {partOut} (2 s to 6 s, recorded at 2026-12-04T08:00:00Z, CSV records, report, no video, faces)",
                ProcessRunner.Cli(["cluster", "status", "--cluster", cluster], timeoutSeconds: 60).StandardOutput);
        }
        catch (Exception e) when (e is not ClusterFailure)
        {
            // The nodes' own logs say what the cluster was doing: the last lines of each.
            throw new ClusterFailure(e, string.Join("\n", nodes.Select(n => $"--- node {n.Key}:\n" + string.Join("\n", n.Value.StandardError.Split('\n').TakeLast(40)))));
        }
        finally
        {
            foreach (var node in nodes.Values) node.Dispose();
            ProcessRunner.Run("pkill", ["-KILL", "-f", dir.Path], TimeSpan.FromSeconds(5)); // the killed node's ffmpeg children
        }
    }

    [Fact]
    public void A_wrong_Redis_address_is_one_line_from_node_and_cluster()
    {
        int closed = RtspTestServer.FreePort();
        var node = ProcessRunner.Cli(["node", "--cluster", $"redis://127.0.0.1:{closed}", "--backend", "cpu"], timeoutSeconds: 90);
        Assert.Equal(2, node.ExitCode);
        Assert.Contains($"cannot join the cluster at redis://127.0.0.1:{closed}: Redis did not answer (connection refused", node.StandardError);
        // That line alone: the address is tried before the node's monitor starts (before 0.26 it
        // said it monitored 0 streams, that a camera round failed and that Redis was lost, first).
        Assert.StartsWith("videoaffect: error:", Assert.Single(node.StandardError.Trim().Split('\n')));
        var status = ProcessRunner.Cli(["cluster", "status", "--cluster", $"redis://127.0.0.1:{closed}"], timeoutSeconds: 90);
        Assert.Equal(2, status.ExitCode);
        Assert.Single(status.StandardError.Trim().Split('\n'));
        Assert.Contains($"cannot reach the cluster at redis://127.0.0.1:{closed}: Redis did not answer (connection refused", status.StandardError);
        // Something that is not Redis at the address is said as such.
        using var served = TestPaths.NewTempFolder();
        using var web = new HttpFileServer(served.Path);
        var notRedis = ProcessRunner.Cli(["cluster", "status", "--cluster", $"redis://127.0.0.1:{web.Port}"], timeoutSeconds: 90);
        Assert.Equal(2, notRedis.ExitCode);
        Assert.Contains($"what answers at 127.0.0.1:{web.Port} is not Redis", Assert.Single(notRedis.StandardError.Trim().Split('\n')));
    }

    sealed class ClusterFailure(Exception inner, string logs) : Exception($"{inner.Message}\n{logs}", inner);

    sealed record Status(List<string> Nodes, Dictionary<string, string?> Cameras);

    static string Describe(Status s) => string.Join(", ", s.Cameras.Select(c => $"{c.Key}@{c.Value ?? "-"}"));

    /// <summary>
    /// What `cluster status --json` says (nodes, and each camera's node), read through the library's
    /// client as the command reads it, but in this process: a `cluster status` process costs about a
    /// second of CPU, which the nodes need, and the waits below poll ~20 times. Null while the cluster
    /// does not answer (a node's death being settled). The command itself is run where its output is checked.
    /// </summary>
    static async Task<Status?> ReadStatusAsync(string cluster)
    {
        try
        {
            await using var client = await VideoAffect.Cluster.ClusterClient.ConnectAsync(VideoAffect.Cluster.ClusterAddress.Parse(cluster), CancellationToken.None);
            var status = await client.StatusAsync();
            return new Status(status.Nodes.Select(n => n.Name).ToList(), status.Cameras.ToDictionary(c => c.Camera, c => c.Node));
        }
        catch (VideoAffectException e) when (e.Message.Contains("cannot reach the cluster")) { return null; }
    }

    static async Task<Status> WaitForStatusAsync(string cluster, Func<Status, bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await ReadStatusAsync(cluster);
            if (status is not null && condition(status)) return status;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}: " + (status is null ? "the cluster did not answer" : $"nodes {string.Join(",", status.Nodes)}; {Describe(status)}"));
            await Task.Delay(1000);
        }
    }

    static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(250);
        }
    }
}
