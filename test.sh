#!/usr/bin/env bash
# Sets up (idempotent), builds and runs the whole xunit suite, then prints one closing line
# "N passed, N failed, N skipped", the reason of every skipped test and the message of every failed one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# .NET without W^X for the build and the test process, as the tests give every .NET program they
# start (tests/VideoAffect.Tests/Support/ChildRuntimeSettings.cs says why): less CPU, same programs.
export DOTNET_EnableWriteXorExecute="${DOTNET_EnableWriteXorExecute:-0}"
"$root/setup.sh"
# Scripts the tests run (bench/gpu/pack.sh) need not check the set-up again.
export VIDEOAFFECT_SETUP_DONE=1
# The whole suite runs: the live collection starts the idle-time jobs beside it (tests/VideoAffect.Tests/Support/IdleTime.cs).
export VIDEOAFFECT_WHOLE_SUITE=1
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
  # Every skipped test with its reason (e.g. no CUDA device on this machine).
  awk '/outcome="NotExecuted"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); pending = 1; next }
       pending && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print "skipped: " name ": " $0; pending = 0 }' "$trx" |
    sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
  # Every failed test with the first lines of its message, last, so that a log cut to its tail
  # (CI keeps only the end) still names what failed and why.
  awk '/<UnitTestResult/ && !/outcome="Failed"/ { pending = 0 }
       /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); pending = 1; next }
       pending && /<Message>/ { sub(/.*<Message>/, ""); inmsg = 1; lines = 0; printf "failed: %s:", name }
       inmsg { done = sub(/<\/Message>.*/, ""); if (lines < 6) printf " %s", $0; lines++
               if (done) { print ""; inmsg = 0; pending = 0 } }' "$trx" |
    sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'
  # A test that fails on this loaded 2-core machine and passes when run again alone is reported as
  # flaky, by name and first message, and does not fail the run; one that fails again does. Only
  # up to 3 failures are retried: more than that is a broken build, not a noisy machine.
  if [ "$status" -ne 0 ] && [ "$failed" -ge 1 ] && [ "$failed" -le 3 ]; then
    methods=$(awk '/outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); sub(/\(.*/, "", name); print name }' "$trx" | sort -u | sed '/^$/d')
    echo "retrying alone: $(echo "$methods" | paste -sd ' ')"
    all_passed=1
    for method in $methods; do
      retry_status=0
      VIDEOAFFECT_WHOLE_SUITE= dotnet test "$root/tests/VideoAffect.Tests" -c Release --no-build --nologo --filter "FullyQualifiedName=$method" \
        --logger "console;verbosity=minimal" --results-directory "$results/retry" | tee "$results/retry.log" || retry_status=$?
      # A filter that matched nothing also exits 0: the retry counts only if it ran the method.
      retried=$(grep -o 'Passed: *[0-9]*' "$results/retry.log" | grep -o '[0-9]*' | tail -1 || true)
      if [ "$retry_status" -ne 0 ] || [ "${retried:-0}" -lt 1 ]; then all_passed=0; echo "failed again: $method"; fi
    done
    if [ "$all_passed" -eq 1 ]; then
      echo "$methods" | sed 's/^/flaky (failed, then passed alone): /'
      passed=$((passed + failed)); failed=0; status=0
    fi
  fi
  echo "$passed passed, $failed failed, $((total - executed)) skipped"
fi
exit $status
