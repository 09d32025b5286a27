using System.Runtime.InteropServices;

namespace VideoAffect.Media.WebP;

/// <summary>
/// libwebp's animation decoder (libwebpdemux, WebPAnimDecoder): it composes each frame onto the
/// canvas as the format says (offsets, alpha blending, disposal) and hands over the whole canvas,
/// one frame at a time, so memory stays one canvas whatever the length. Pixels come premultiplied
/// by alpha (libwebp's MODE_bgrA), that is, composed over black, and become BGR24 frames.
/// </summary>
internal sealed unsafe partial class WebPAnimDecoder : IDisposable
{
    const string Library = "libwebpdemux.so.2";
    // demux.h's WEBP_DEMUX_ABI_VERSION since libwebp 1.0 (libwebp checks the major byte only).
    const int AbiVersion = 0x0107;
    const int ModePremultipliedBgra = 8; // MODE_bgrA

    [StructLayout(LayoutKind.Sequential)]
    struct Data { public byte* Bytes; public nuint Size; }

    [StructLayout(LayoutKind.Sequential)]
    struct Options { public int ColorMode; public int UseThreads; public fixed uint Padding[7]; }

    [StructLayout(LayoutKind.Sequential)]
    struct Info { public uint CanvasWidth, CanvasHeight, LoopCount, BackgroundColor, FrameCount; public fixed uint Padding[4]; }

    [LibraryImport(Library)] private static partial int WebPAnimDecoderOptionsInitInternal(Options* options, int abi);
    [LibraryImport(Library)] private static partial nint WebPAnimDecoderNewInternal(Data* data, Options* options, int abi);
    [LibraryImport(Library)] private static partial int WebPAnimDecoderGetInfo(nint decoder, Info* info);
    [LibraryImport(Library)] private static partial int WebPAnimDecoderHasMoreFrames(nint decoder);
    [LibraryImport(Library)] private static partial int WebPAnimDecoderGetNext(nint decoder, byte** buffer, int* timestamp);
    [LibraryImport(Library)] private static partial void WebPAnimDecoderDelete(nint decoder);

    byte* _file;
    nint _decoder;

    /// <summary>Opens the file's bytes; a file libwebp cannot read is a one-line error naming it.</summary>
    public WebPAnimDecoder(string path, string shown)
    {
        byte[] bytes = File.ReadAllBytes(path);
        // libwebp reads the file's bytes while it decodes: they stay put in native memory.
        _file = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, bytes.Length));
        bytes.CopyTo(new Span<byte>(_file, bytes.Length));
        try
        {
            Options options;
            if (WebPAnimDecoderOptionsInitInternal(&options, AbiVersion) == 0)
                throw new VideoAffectException($"cannot read '{shown}': the system's libwebp is of another major version than VideoAffect was built for");
            options.ColorMode = ModePremultipliedBgra;
            options.UseThreads = 0;
            var data = new Data { Bytes = _file, Size = (nuint)bytes.Length };
            _decoder = WebPAnimDecoderNewInternal(&data, &options, AbiVersion);
            if (_decoder == 0) throw new VideoAffectException($"'{shown}' is not a readable animated WebP (damaged or truncated file)");
            Info info;
            if (WebPAnimDecoderGetInfo(_decoder, &info) == 0) throw new VideoAffectException($"'{shown}' is not a readable animated WebP (damaged or truncated file)");
            (Width, Height, FrameCount) = ((int)info.CanvasWidth, (int)info.CanvasHeight, (int)info.FrameCount);
        }
        catch (DllNotFoundException)
        {
            Dispose();
            throw new VideoAffectException($"reading the animated WebP '{shown}' needs libwebp's demux library ({Library}; Debian: apt install libwebpdemux2)");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Width { get; }
    public int Height { get; }
    public int FrameCount { get; }

    /// <summary>Composes the next frame into <paramref name="bgr"/> (Width * Height * 3 bytes); false when none comes (past the last one, or a damaged frame).</summary>
    public bool Next(Span<byte> bgr)
    {
        byte* canvas;
        int timestamp;
        if (WebPAnimDecoderHasMoreFrames(_decoder) == 0 || WebPAnimDecoderGetNext(_decoder, &canvas, &timestamp) == 0) return false;
        // Premultiplied BGRA to BGR: the alpha is already in the colours (composed over black).
        var source = new ReadOnlySpan<byte>(canvas, Width * Height * 4);
        for (int p = 0, q = 0; p < source.Length; p += 4, q += 3)
        {
            bgr[q] = source[p];
            bgr[q + 1] = source[p + 1];
            bgr[q + 2] = source[p + 2];
        }
        return true;
    }

    public void Dispose()
    {
        if (_decoder != 0) WebPAnimDecoderDelete(_decoder);
        _decoder = 0;
        if (_file != null) NativeMemory.Free(_file);
        _file = null;
    }
}
