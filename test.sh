#!/usr/bin/env bash
# Sets up (idempotent), builds and runs the whole xunit suite, then prints one closing line
# "N passed, N failed, N skipped", the reason of every skipped test and the message of every failed one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# .NET without W^X for the build and the test process, as the tests give every .NET program they
# start (tests/VideoAffect.Tests/Support/ChildRuntimeSettings.cs says why): less CPU, same programs.
export DOTNET_EnableWriteXorExecute="${DOTNET_EnableWriteXorExecute:-0}"
# The build runs beside the set-up (downloads, the sample clip, npm; apt's questions, if any, in the
# foreground): on a clean clone each leaves much of a core idle (a 71-s build left 23 of its 142
# core-seconds idle; the set-up took 16 s, 2026-12-07), and the tests need both. Its output follows the set-up's.
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
dotnet build "$root/VideoAffect.sln" -c Release --nologo > "$build_log" 2>&1 &
build_pid=$!
setup_status=0
VIDEOAFFECT_SETUP_NO_RESTORE=1 "$root/setup.sh" || setup_status=$?
build_status=0
wait "$build_pid" || build_status=$?
cat "$build_log"
if [ "$setup_status" -ne 0 ]; then echo "test.sh: the set-up failed (exit code $setup_status)" >&2; exit "$setup_status"; fi
if [ "$build_status" -ne 0 ]; then echo "test.sh: the build failed (exit code $build_status)" >&2; exit "$build_status"; fi
# Scripts the tests run (bench/gpu/pack.sh) need not check the set-up again.
export VIDEOAFFECT_SETUP_DONE=1
# The whole suite runs: the live collection starts the idle-time jobs beside it (tests/VideoAffect.Tests/Support/IdleTime.cs).
export VIDEOAFFECT_WHOLE_SUITE=1
results="$root/.cache/test-results"
rm -rf "$results"
status=0
# The classes of CPU work and no timing (trait Phase=IdleTime) are left out here: the main run starts
# them, as its kernel tests end, in a test process of their own at nice 19 that takes the cores the
# other tests leave idle, whose results file lands in idle-time/
# (tests/VideoAffect.Tests/Support/IdleTimeClasses.cs). Both files are read below.
VIDEOAFFECT_IDLE_TIME_RESULTS="$results/idle-time" dotnet test "$root/VideoAffect.sln" -c Release --no-build --nologo \
  --filter "Phase!=IdleTime" \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" || status=$?
trx="$results/results.trx"
idle_trx="$results/idle-time/results.trx"
if [ -f "$idle_trx" ]; then
  echo
  echo "The idle-time classes, run in a test process of their own in the suite's idle time ($results/idle-time/console.log):"
  grep -E '^ +(Passed|Failed|Skipped) ' "$results/idle-time/console.log" || true
fi
if [ -f "$trx" ]; then
  # Counters summed over the main run's results and the idle-time classes' (when they ran).
  trx_files=("$trx")
  if [ -f "$idle_trx" ]; then trx_files+=("$idle_trx"); fi
  get() { cat "${trx_files[@]}" | grep -o '<Counters [^>]*>' | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' | awk '{ sum += $1 } END { print sum + 0 }'; }
  total=$(get total); executed=$(get executed); passed=$(get passed); failed=$(get failed)
  # A failure in the idle-time classes fails the run as one in the main run does.
  if [ "$failed" -ge 1 ] && [ "$status" -eq 0 ]; then status=1; fi
  echo
  # Every skipped test with its reason (e.g. no CUDA device on this machine).
  awk '/outcome="NotExecuted"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); pending = 1; next }
       pending && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print "skipped: " name ": " $0; pending = 0 }' "${trx_files[@]}" |
    sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
  # Every failed test with the first lines of its message, last, so that a log cut to its tail
  # (CI keeps only the end) still names what failed and why.
  awk '/<UnitTestResult/ && !/outcome="Failed"/ { pending = 0 }
       /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); pending = 1; next }
       pending && /<Message>/ { sub(/.*<Message>/, ""); inmsg = 1; lines = 0; printf "failed: %s:", name }
       inmsg { done = sub(/<\/Message>.*/, ""); if (lines < 6) printf " %s", $0; lines++
               if (done) { print ""; inmsg = 0; pending = 0 } }' "${trx_files[@]}" |
    sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'
  # A test that fails on this loaded 2-core machine and passes when run again alone is reported as
  # flaky, by name and first message, and does not fail the run; one that fails again does. Only
  # up to 3 failures are retried: more than that is a broken build, not a noisy machine.
  if [ "$status" -ne 0 ] && [ "$failed" -ge 1 ] && [ "$failed" -le 3 ]; then
    methods=$(awk '/outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); sub(/\(.*/, "", name); print name }' "${trx_files[@]}" | sort -u | sed '/^$/d')
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
