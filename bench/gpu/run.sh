#!/usr/bin/env bash
# bench/gpu/run.sh OUT [--dry-run] [--seconds S]
# On the GPU machine (no .NET, no ffmpeg, no network needed), from a working tree that carries
# bench/gpu/out/kit.tar.xz (made by pack.sh): unpacks the kit, checks the CUDA path against the
# expectations computed by pack.sh and times it, then times OpenCV's own cascade on the same frames
# with python3's cv2 where that machine has it. Writes OUT/gpukit.json, OUT/gpukit.md,
# OUT/opencv_baseline.json, OUT/ptxas.txt (every kernel through NVIDIA's assembler) and
# OUT/gpu-samples.csv (nvidia-smi's utilisation while the kit ran, summed up per part in gpukit.md).
# Exit 0 when every check passed, 1 when one failed, 2 when it could not run.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: run.sh OUT [--dry-run] [--seconds S]}"
shift
kit="${VIDEOAFFECT_KIT_DIR:-$here/out}/kit.tar.xz"
[ -f "$kit" ] || { echo "run.sh: $kit is missing: run bench/gpu/pack.sh first and carry bench/gpu/out/kit.tar.xz" >&2; exit 2; }
mkdir -p "$out"
# The machine first, so that a kit that cannot start still leaves a line that says why.
echo "run.sh: $(uname -m); $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
[ "$(uname -m)" = x86_64 ] || { echo "run.sh: the kit is built for linux-x64, this machine is $(uname -m)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xJf "$kit" || exit 2
# Every kernel through NVIDIA's own assembler first (seconds; kept even if the run below is cut
# short): registers, spills and shared memory per kernel into OUT/ptxas.txt, where the CUDA
# toolkit is installed; ILGPU's PTX for this GPU either way.
ptx="$work/ptx"
"$work/kit/bin/videoaffect-gpukit" ptx "$ptx" || echo "run.sh: ILGPU refused some kernels (above)" >&2
ptxas_bin="$(command -v ptxas || ls /usr/local/cuda/bin/ptxas 2>/dev/null | head -1 || true)"
{
  if [ -n "$ptxas_bin" ] && [ -f "$ptx/arch" ]; then
    arch="$(cat "$ptx/arch")"
    echo "# ptxas -v -arch=$arch ($("$ptxas_bin" --version | tail -1)), one section per kernel"
    for f in "$ptx"/*.ptx; do
      echo "## $(basename "$f" .ptx)"
      timeout 60 "$ptxas_bin" -v -arch="$arch" "$f" -o /dev/null 2>&1 | grep -v 'Compiling entry function'
    done
  else
    echo "no ptxas here (no CUDA toolkit): $(ls "$ptx"/*.ptx 2>/dev/null | wc -l) kernels' PTX generated, not assembled"
  fi
} > "$out/ptxas.txt"
# The GPU's own view while the kit runs: utilisation, SM clock and memory every 250 ms, in UTC
# like the kit's part times, laid over the parts by utilisation.py below.
sampler=""
if command -v nvidia-smi >/dev/null; then
  TZ=UTC nvidia-smi --query-gpu=timestamp,utilization.gpu,utilization.memory,clocks.sm,memory.used \
    --format=csv,noheader,nounits -lms 250 > "$out/gpu-samples.csv" 2>/dev/null &
  sampler=$!
fi
"$work/kit/bin/videoaffect-gpukit" run "$work/kit/data" "$out" "$@"
rc=$?
[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
python3 "$here/utilisation.py" "$out" >/dev/null || echo "run.sh: utilisation.py failed" >&2
# The first python3 with cv2 (a GPU machine's has opencv-python; Debian's own python3 may have python3-opencv).
python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import cv2, numpy' 2>/dev/null; then python="$candidate"; break; fi
done
if [ -n "$python" ]; then
  "$python" "$here/opencv_baseline.py" "$work/kit/data" "$out" "$@" || echo "run.sh: the OpenCV baseline failed" >&2
else
  echo "run.sh: no python3 with cv2 here: no OpenCV baseline" >&2
fi
exit $rc
