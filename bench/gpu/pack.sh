#!/usr/bin/env bash
# bench/gpu/pack.sh [--dry-run]
# Builds the GPU kit here into bench/gpu/out/ (git-ignored): out/kit.tar.xz holds a self-contained
# build of videoaffect-gpukit (the .NET runtime included: the GPU machine has none; OpenCV's native
# library left out: it has none of it either and the kit does not need it), the model, the cascade,
# raw frames and what this machine's CPU made of them. Carry bench/gpu/out/kit.tar.xz to the GPU
# machine and run bench/gpu/run.sh there. --dry-run packs tiny sizes for run.sh --dry-run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# test.sh has just run it (its dry-run test packs here): VIDEOAFFECT_SETUP_DONE spares its ~15 s.
[ -n "${VIDEOAFFECT_SETUP_DONE:-}" ] || "$root/setup.sh" >&2
# VIDEOAFFECT_KIT_DIR: where to put kit.tar.xz (the tests' dry run packs elsewhere than a real kit).
out="${VIDEOAFFECT_KIT_DIR:-$here/out}"
rm -rf "$out/kit" "$out/kit.tar.xz"
mkdir -p "$out/kit"
dotnet publish "$here/VideoAffect.GpuKit/VideoAffect.GpuKit.csproj" -c Release -r linux-x64 --self-contained \
  -o "$out/kit/bin" --nologo --verbosity quiet -clp:ErrorsOnly >&2
# The expectations are computed here, where OpenCV's native library is present...
"$out/kit/bin/videoaffect-gpukit" pack "$out/kit/data" "$@" >&2
# ...which then stays behind (109 MB; the kit never calls it), as does ImageMagick's (38 MB; photos
# in phone formats only).
find "$out/kit/bin" \( -name 'libOpenCvSharpExtern.so' -o -name 'Magick.Native-*' \) -delete
# xz -6 for a real kit (45 MB on 2026-12-03, with its 1080p frames); the tests' dry run packs with
# -0: 38 MiB in 9 CPU-s where -1 took 16 for 37 (2026-12-07). The size check below guards both.
level=6
for arg in "$@"; do [ "$arg" = --dry-run ] && level=0; done
XZ_OPT="-$level -T0" tar -C "$out" -cJf "$out/kit.tar.xz" kit
rm -rf "$out/kit"
size=$(stat -c %s "$out/kit.tar.xz")
limit=$((50 * 1024 * 1024))
if [ "$size" -gt "$limit" ]; then
  echo "pack.sh: kit.tar.xz is $((size / 1048576)) MiB, over the 50 MiB a device run may carry" >&2
  exit 1
fi
echo "$out/kit.tar.xz ($((size / 1048576)) MiB)"
