using System.Text;
using System.Text.Json;

namespace VideoAffect.Model;

/// <summary>Typed reads of a TF.js graph node's attributes (base64 strings, string-encoded ints).</summary>
readonly struct TfjsNodeAttributes(string nodeName, JsonElement attributes, string source)
{
    bool TryGet(string key, out JsonElement value)
    {
        value = default;
        return attributes.ValueKind == JsonValueKind.Object && attributes.TryGetProperty(key, out value);
    }

    public string String(string key, string? fallback = null)
    {
        if (TryGet(key, out var v) && v.TryGetProperty("s", out var s))
            return Encoding.UTF8.GetString(Convert.FromBase64String(s.GetString() ?? ""));
        return fallback ?? throw Missing(key);
    }

    public int[] Ints(string key, int[]? fallback = null)
    {
        if (TryGet(key, out var v) && v.TryGetProperty("list", out var list))
            return list.TryGetProperty("i", out var items) ? items.EnumerateArray().Select(ParseInt).ToArray() : [];
        return fallback ?? throw Missing(key);
    }

    public string[] Strings(string key)
    {
        if (TryGet(key, out var v) && v.TryGetProperty("list", out var list))
            return list.TryGetProperty("s", out var items)
                ? items.EnumerateArray().Select(s => Encoding.UTF8.GetString(Convert.FromBase64String(s.GetString() ?? ""))).ToArray()
                : [];
        return [];
    }

    public int Int(string key, int fallback)
    {
        if (TryGet(key, out var v) && v.TryGetProperty("i", out var i)) return ParseInt(i);
        return fallback;
    }

    public int[] PlaceholderShape()
    {
        if (TryGet("shape", out var v) && v.TryGetProperty("shape", out var shape) && shape.TryGetProperty("dim", out var dims))
            return dims.EnumerateArray().Select(d => ParseInt(d.GetProperty("size"))).ToArray();
        throw Missing("shape");
    }

    static int ParseInt(JsonElement e) => e.ValueKind == JsonValueKind.String ? int.Parse(e.GetString()!) : e.GetInt32();

    ModelFormatException Missing(string key) => new($"{source}: node '{nodeName}' lacks attribute '{key}'");
}
