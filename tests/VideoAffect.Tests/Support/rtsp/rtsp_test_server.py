#!/usr/bin/python3
"""A real RTSP server on 127.0.0.1 for VideoAffect's live-source tests.

GStreamer's RTSP server (Debian: gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good) serves
each JPEG file given as --mount NAME=FILE at rtsp://127.0.0.1:PORT/NAME as an endless Motion-JPEG
stream at --fps, paced in real time (--codec h264: H.264 from Cisco's OpenH264 encoder, the one
GStreamer H.264 encoder Debian ships, in gstreamer1.0-plugins-bad, with a key frame every second).
A mount NAME=FILE.mp4 instead serves that file's H.264 track as it is, paced by its timestamps,
once: a camera whose encoding costs this machine nothing, for measurements. A mount
NAME=FILE.mp4+SOUND.wav adds the WAV file's sound as a camera sends it, G.711 mu-law at 8 kHz mono
(PCMU) in packets of 20 ms as a camera sends it, both tracks paced by one clock from 0. It answers RTSP over TCP and UDP, and prints "ready" once
it listens. Killing it drops every client, which is how the tests simulate a camera going away.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def jpeg_size(path: str) -> tuple[int, int]:
    """Width and height from the first start-of-frame marker (rtpjpegpay needs them in the caps)."""
    with open(path, "rb") as f:
        data = f.read()
    i = 2
    while i + 9 < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    raise ValueError(f"{path}: no JPEG frame header")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--mount", action="append", required=True, help="NAME=FILE.jpg, NAME=FILE.mp4 (H.264, served as it is), or NAME=FILE.mp4+SOUND.wav (and its sound, as G.711)")
    parser.add_argument("--codec", choices=["mjpeg", "h264"], default="mjpeg")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for mount in args.mount:
        name, path = mount.split("=", 1)
        factory = GstRtspServer.RTSPMediaFactory()
        if "+" in path and path.endswith(".wav"):
            video, sound = path.split("+", 1)
            factory.set_launch(
                f'( filesrc location="{video}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 '
                f'filesrc location="{sound}" ! wavparse ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0 max-ptime=20000000 )'
            )
            factory.set_shared(True)
            mounts.add_factory("/" + name, factory)
            continue
        if path.endswith(".mp4"):
            factory.set_launch(f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )')
            factory.set_shared(True)
            mounts.add_factory("/" + name, factory)
            continue
        width, height = jpeg_size(path)
        # A live test source paces frames in real time, like a camera; the picture is drawn over it.
        encode = ("jpegenc quality=90 ! rtpjpegpay name=pay0 pt=26" if args.codec == "mjpeg"
                  else f"openh264enc gop-size={args.fps} ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1")
        factory.set_launch(
            f"( videotestsrc is-live=true pattern=black ! video/x-raw,width={width},height={height},framerate={args.fps}/1 "
            f'! gdkpixbufoverlay location="{path}" ! videoconvert ! video/x-raw,format=I420 ! {encode} )'
        )
        factory.set_shared(True)
        mounts.add_factory("/" + name, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print("ready", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
