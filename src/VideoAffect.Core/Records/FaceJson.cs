using System.Text.Json;
using VideoAffect.Classification;
using VideoAffect.Detection;

namespace VideoAffect.Records;

/// <summary>The JSON shape of one classified face, shared by the per-frame records and `classify --json`.</summary>
internal static class FaceJson
{
    public static void WriteFields(Utf8JsonWriter json, FaceBox box, EmotionPrediction prediction)
    {
        json.WriteStartObject("box");
        json.WriteNumber("x", box.X);
        json.WriteNumber("y", box.Y);
        json.WriteNumber("w", box.Width);
        json.WriteNumber("h", box.Height);
        json.WriteEndObject();
        json.WriteString("label", prediction.Label);
        json.WriteNumber("confidence", Math.Round(prediction.Confidence, 6));
        WriteProbabilities(json, "probabilities", prediction);
    }

    public static void WriteProbabilities(Utf8JsonWriter json, string name, EmotionPrediction prediction)
    {
        json.WriteStartObject(name);
        for (int i = 0; i < prediction.Labels.Count; i++)
            json.WriteNumber(prediction.Labels[i], Math.Round(prediction.Probabilities[i], 6));
        json.WriteEndObject();
    }
}
