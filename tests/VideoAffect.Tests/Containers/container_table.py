#!/usr/bin/env python3
"""The README's container table: each kind of file is made with ffmpeg from the setup's sample clip,
analysed by the built CLI, and checked against ffprobe: frames in and out, each record's time
against the frame's best_effort_timestamp, and each output frame's time against the source's
(from the source's start). Usage: python3 container_table.py [path/to/videoaffect]"""
import json, os, subprocess, sys, tempfile

root = os.path.dirname(os.path.abspath(__file__))
for _ in range(3): root = os.path.dirname(root)
cli = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "src/VideoAffect.Cli/bin/Release/net10.0/videoaffect")
sample = os.path.join(root, ".cache/samples/sample.mp4")

# name, ffmpeg output options (from 3 s of the sample clip, 640x480 30 fps with AAC audio)
KINDS = [
    ("MP4, H.264 + AAC", "mp4", ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]),
    ("MP4, H.264, variable frame rate (0.7 s pause)", "mp4", ["-vf", "setpts=N/30/TB+gte(N\\,45)*0.7/TB", "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]),
    # Stored on its side and shown upright by its rotation, as a phone records; ffmpeg 5.1 writes a
    # rotation only when it copies the stream: see REMUXED.
    ("MOV, H.264 rotated 90 degrees (a phone's portrait video)", "mov", ["-vf", "transpose=clock", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]),
    ("MKV, HEVC 10-bit", "mkv", ["-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=none", "-c:a", "aac"]),
    ("MKV, H.264 4:4:4", "mkv", ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", "-c:a", "aac"]),
    ("WebM, VP9 + Opus", "webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"]),
    ("MPEG-TS, H.264 + AAC (starts at 1.4 s)", "ts", ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]),
    ("MPEG-TS, MPEG-2 video + MP2", "ts", ["-c:v", "mpeg2video", "-q:v", "4", "-c:a", "mp2"]),
    # Both broadcast formats are interlaced: 50 frames/s woven into 25, top field first.
    ("MPEG-PS, PAL DVD: MPEG-2 720x576i in 16:15 pixels + AC-3", "mpg", ["-vf", "fps=50,scale=720:576,setsar=16/15,interlace=scan=tff", "-c:v", "mpeg2video", "-q:v", "4", "-flags", "+ilme+ildct", "-top", "1", "-c:a", "ac3", "-f", "dvd"]),
    ("MKV, HDV 1080i: H.264 1440x1080i in 4:3 pixels", "mkv", ["-vf", "fps=50,scale=1440:1080,setsar=4/3,interlace=scan=tff", "-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ilme+ildct", "-x264opts", "tff=1", "-c:a", "aac"]),
    # HDR made from the SDR sample by ITU-R BT.2408's rule (SDR white at 203 nits), as a camera grades it.
    ("MKV, HEVC 10-bit HDR10 (PQ, BT.2020) + AAC", "mkv", ["-vf", "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=smpte2084:m=2020_ncl:p=2020:r=tv:npl=203,format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=none:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc", "-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-c:a", "aac"]),
    ("MOV, HEVC 10-bit HLG (a phone's HDR) + AAC", "mov", ["-vf", "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:m=2020_ncl:p=2020:r=tv:npl=203,format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params", "log-level=none:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc", "-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-c:a", "aac"]),
    ("AVI, MPEG-4 ASP with B-frames + MP3", "avi", ["-c:v", "mpeg4", "-bf", "2", "-q:v", "4", "-c:a", "libmp3lame"]),
    ("AVI, MJPEG + PCM", "avi", ["-c:v", "mjpeg", "-q:v", "4", "-c:a", "pcm_s16le"]),
]

# Kinds made in a second step that copies the streams and changes only the container's metadata.
REMUXED = {"MOV, H.264 rotated 90 degrees (a phone's portrait video)": ["-c", "copy", "-metadata:s:v", "rotate=90"]}

def run(*args):
    return subprocess.run(args, capture_output=True, text=True)

def frame_times(path):
    out = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0", path).stdout
    return [None if t.strip(",") == "N/A" else float(t.strip(",")) for t in out.split()]

def size(path):
    """Coded size, with interlacing, HDR, the pixel aspect ratio and rotation where they are not plain."""
    s = json.loads(run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                       "stream=width,height,sample_aspect_ratio,field_order,color_transfer:stream_side_data=rotation", "-of", "json", path).stdout)["streams"][0]
    notes = []
    if s.get("field_order") in ("tt", "bb", "tb", "bt"): notes.append("interlaced")
    if s.get("color_transfer") in ("smpte2084", "arib-std-b67"): notes.append("HDR " + ("PQ" if s["color_transfer"] == "smpte2084" else "HLG"))
    if s.get("sample_aspect_ratio", "1:1") not in ("1:1", "0:1"): notes.append(s["sample_aspect_ratio"])
    rotation = next((d["rotation"] for d in s.get("side_data_list", []) if "rotation" in d), 0)
    if rotation: notes.append(f"turned {rotation} degrees")
    return f"{s['width']}x{s['height']}" + (f" ({', '.join(notes)})" if notes else "")

def start_time(path):
    return float(json.loads(run("ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "json", path).stdout)["format"].get("start_time", 0))

print("| container, codecs | size in / out (pixel aspect) | frames in / out | records at ffprobe's frame time | output frame times vs source | frames ffprobe gives no time |")
print("|---|---|---|---|---|---|")
with tempfile.TemporaryDirectory() as tmp:
    for number, (name, ext, options) in enumerate(KINDS):
        src = os.path.join(tmp, f"in{number}.{ext}")
        made = run("ffmpeg", "-nostdin", "-v", "error", "-i", sample, "-t", "3", *options, src)
        if made.returncode == 0 and name in REMUXED:
            plain = src + ".plain." + ext
            os.rename(src, plain)
            made = run("ffmpeg", "-nostdin", "-v", "error", "-i", plain, *REMUXED[name], src)
        if made.returncode != 0:
            print(f"| {name} | could not be made here: {made.stderr.strip().splitlines()[-1]} | | | | |")
            continue
        out = os.path.join(tmp, f"out{number}.mp4")
        r = run(cli, "analyze", src, "-o", out, "--backend", "cpu", "--detector", "opencv")
        if r.returncode != 0:
            print(f"| {name} | FAILED: {r.stderr.strip().splitlines()[-1]} | | | | |")
            continue
        s, o = frame_times(src), frame_times(out)
        origin = start_time(src)
        records = [json.loads(line) for line in open(os.path.join(tmp, f"out{number}.jsonl"))]
        checked = [(x["time"], s[x["frame"]]) for x in records if s[x["frame"]] is not None]
        exact = sum(1 for t, ref in checked if abs(t - ref) <= 2e-6)
        deviations = [abs(ref - origin - got) for ref, got in zip(s, o) if ref is not None and got is not None]
        worst = max(deviations) * 1000 if deviations else float("nan")
        print(f"| {name} | {size(src)} / {size(out)} | {len(s)} / {len(o)} | {exact} of {len(checked)} | within {worst:.2f} ms | {sum(1 for t in s if t is None)} |")
