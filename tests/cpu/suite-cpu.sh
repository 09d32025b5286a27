#!/usr/bin/env bash
# tests/cpu/suite-cpu.sh [OUT]: runs ./test.sh under Linux process accounting (root; installs
# Debian's acct if missing) and prints where its CPU went, by program and by test class
# (tests/cpu/suite_cpu.py). The suite is CPU-bound on a 2-core machine: its minutes are its
# CPU-seconds over two, so this is the map to read before making it shorter. Leaves OUT
# (default .cache/suite-cpu) with the accounting file, the tests' process log and test.sh's output.
# Exit code: test.sh's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/.cache/suite-cpu}"
[ "$(id -u)" = 0 ] || { echo "suite-cpu.sh: process accounting (accton) needs root" >&2; exit 2; }
command -v accton >/dev/null || apt-get install -y acct >/dev/null || { apt-get update >/dev/null && apt-get install -y acct >/dev/null; } ||
  { echo "suite-cpu.sh: cannot install acct (Debian's process accounting)" >&2; exit 2; }
mkdir -p "$out"
: > "$out/pacct"
: > "$out/processes.tsv"
accton "$out/pacct" >/dev/null
trap 'accton off >/dev/null 2>&1 || true' EXIT
start=$(date +%s)
status=0
VIDEOAFFECT_PROCESS_LOG="$out/processes.tsv" "$root/test.sh" > "$out/test.log" 2>&1 || status=$?
accton off >/dev/null
echo "test.sh: exit $status in $(( $(date +%s) - start )) s; $(tail -1 "$out/test.log") ($out/test.log)"
python3 "$here/suite_cpu.py" "$out/pacct" "$out/processes.tsv"
exit $status
