#!/usr/bin/env bash
# Sets up (idempotent), builds and runs the whole xunit suite, then prints one closing line
# "N passed, N failed, N skipped" and the reason of every skipped test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/setup.sh"
results="$root/.cache/test-results"
rm -rf "$results"
status=0
dotnet test "$root/VideoAffect.sln" -c Release --nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" || status=$?
trx="$results/results.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); passed=$(get passed); failed=$(get failed)
  echo
  grep -o 'testName="[^"]*"[^>]*outcome="NotExecuted"' "$trx" | sed 's/testName="\([^"]*\)".*/skipped: \1/' || true
  echo "$passed passed, $failed failed, $((total - executed)) skipped"
fi
exit $status
