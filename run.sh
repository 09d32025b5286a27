#!/usr/bin/env bash
# ./run.sh demo          set up, build, and analyse the generated sample clip into out/
# ./run.sh COMMAND ...   any videoaffect command, e.g. ./run.sh analyze talk.mp4 -o talk.annotated.mp4
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/setup.sh"
dotnet build "$root/src/VideoAffect.Cli/VideoAffect.Cli.csproj" -c Release --nologo --verbosity quiet -clp:ErrorsOnly >&2
bin="$root/src/VideoAffect.Cli/bin/Release/net10.0/videoaffect"
if [ "${1:-demo}" = demo ]; then
  mkdir -p "$root/out"
  exec "$bin" analyze "$root/.cache/samples/sample.mp4" -o "$root/out/sample.annotated.mp4" "${@:2}"
fi
exec "$bin" "$@"
