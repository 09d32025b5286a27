// Every face's emotion as it happens, from a file or a live source, in a loop of your own.
// Usage: dotnet run --project samples/EmotionStream -- talk.mp4
//        dotnet run --project samples/EmotionStream -- --live rtsp://10.0.0.5/stream
using VideoAffect;

bool live = args.Length == 2 && args[0] == "--live";
if (args.Length != 1 && !live)
{
    Console.Error.WriteLine("usage: EmotionStream VIDEO | --live SOURCE");
    return 2;
}
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var options = new RecognitionOptions { DetectEvery = 2 }; // the CLI's defaults otherwise
var frames = live ? FaceEmotions.FromLiveAsync(args[1], options, stop.Token) : FaceEmotions.FromFileAsync(args[0], options, stop.Token);
try
{
    await foreach (var frame in frames)
        foreach (var face in frame.Faces)
            Console.WriteLine($"{frame.Time,8:0.00} s  #{face.Track,-3} {face.Display.Label,-8} {face.Display.Confidence:P0}  at ({face.Box.X}, {face.Box.Y})");
}
catch (OperationCanceledException) { }
return 0;
