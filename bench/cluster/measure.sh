#!/usr/bin/env bash
# The cluster's figures, measured on this machine in one run (README, "Past one machine"):
#   1. failover: three nodes, six looping cameras (the sample at 5 fps); kill -9 the node watching cam1; seconds until
#      `cluster status` shows every camera on a living node, and until cam1's records grow again;
#   2. job throughput: the same N recorded videos through `cluster submit --wait` on three nodes
#      (--max-jobs 1) and through `analyze` one after another, in the same run: the ratio;
#   3. streams per node: one node, cameras of the sample clip (640x480, 30 fps, played at its rate)
#      added one at a time; each step's per-stream fps and dropped frames from the node's /metrics.
# Usage: bench/cluster/measure.sh [OUTDIR]   (needs ./setup.sh's packages and the Release build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/out/cluster-measure}"
jobs="${JOBS:-6}"
max_streams="${MAX_STREAMS:-8}"
"$root/setup.sh" >&2
dotnet build "$root/src/VideoAffect.Cli/VideoAffect.Cli.csproj" -c Release --nologo --verbosity quiet -clp:ErrorsOnly >&2
va="$root/src/VideoAffect.Cli/bin/Release/net10.0/videoaffect"
sample="$root/.cache/samples/sample.mp4"
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then echo "measure.sh: $out is not empty; give a new folder" >&2; exit 2; fi
mkdir -p "$out"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  pkill -KILL -f "$out" 2>/dev/null || true
  [ -n "${redis_port:-}" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
}
trap cleanup EXIT
start_redis() { redis_port=$(free_port); redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --dir "$out" >/dev/null; cluster="redis://127.0.0.1:$redis_port"; }
stop_cluster() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; pids=(); redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; sleep 1; }
start_node() { # NAME [ARGS...]
  local name=$1; shift
  "$va" node --cluster "$cluster" --name "$name" --records "$out/records/$name" --loop --backend cpu "$@" 2>"$out/$phase-node-$name.log" &
  pids+=($!); eval "pid_$name=$!"
}
wait_joined() { for n in "$@"; do until grep -q "node $n joined" "$out/$phase-node-$n.log"; do sleep 0.5; done; done; }
status_json() { "$va" cluster status --cluster "$cluster" --json 2>/dev/null || echo '{}'; }
# Prints the node watching CAMERA, or nothing.
node_of() { status_json | python3 -c "import json,sys; d=json.load(sys.stdin); print(next((c['node'] or '' for c in d.get('cameras', []) if c['name']=='$1'), ''))"; }
# True when every camera runs on a node other than $1 and $1 is no longer a member.
all_placed_without() { status_json | python3 -c "
import json,sys; d=json.load(sys.stdin); cams=d.get('cameras', [])
sys.exit(0 if cams and '$1' not in d.get('nodes', []) and all(c['node'] and c['node']!='$1' for c in cams) else 1)"; }

phase=failover
echo "## 1. failover" | tee "$out/summary.md"
small="$out/cam.mp4" # the sample's face at 5 fps: six cameras fit this machine's two cores
ffmpeg -v error -i "$sample" -vf fps=5 -an -c:v libx264 -preset veryfast "$small"
start_redis
for n in a b c; do start_node $n --max-jobs 0; done
wait_joined a b c
"$va" cluster add --cluster "$cluster" $(for i in 1 2 3 4 5 6; do echo "cam$i=$small"; done) >/dev/null
until [ "$(status_json | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(1 for c in d.get('cameras',[]) if c['node']))")" = 6 ]; do sleep 1; done
sleep 5
victim=$(node_of cam1)
t0=$(now)
kill -KILL "$(eval echo \$pid_$victim)"
until all_placed_without "$victim"; do sleep 0.5; done
t_placed=$(now)
taker=$(node_of cam1)
records="$out/records/$taker/cam1.jsonl"
until [ -s "$records" ]; do sleep 0.2; done
t_records=$(now)
printf -- "- kill -9 of node %s (watching cam1) to every camera placed on the other two: %.1f s; to cam1's first record on node %s: %.1f s\n" \
  "$victim" "$(echo "$t_placed - $t0" | bc)" "$taker" "$(echo "$t_records - $t0" | bc)" | tee -a "$out/summary.md"
stop_cluster

phase=jobs
echo "## 2. job throughput ($jobs videos of 300 frames, 640x480)" | tee -a "$out/summary.md"
mkdir -p "$out/videos" "$out/jobs" "$out/sequential"
for i in $(seq 1 "$jobs"); do cp "$sample" "$out/videos/talk$i.mp4"; done
start_redis
for n in a b c; do start_node $n --max-jobs 1; done
wait_joined a b c
t0=$(now)
"$va" cluster submit --cluster "$cluster" --output "$out/jobs" --wait "$out/videos"/*.mp4 > "$out/submit.log"
t_cluster=$(echo "$(now) - $t0" | bc)
stop_cluster
t0=$(now)
for i in $(seq 1 "$jobs"); do "$va" analyze "$out/videos/talk$i.mp4" -o "$out/sequential/talk$i.mp4" --backend cpu >/dev/null 2>&1; done
t_seq=$(echo "$(now) - $t0" | bc)
printf -- "- three nodes (--max-jobs 1): %.1f s (%.1f videos/min); analyze one after another: %.1f s (%.1f videos/min); cluster/sequential throughput %.2fx\n" \
  "$t_cluster" "$(echo "$jobs * 60 / $t_cluster" | bc -l)" "$t_seq" "$(echo "$jobs * 60 / $t_seq" | bc -l)" "$(echo "$t_seq / $t_cluster" | bc -l)" | tee -a "$out/summary.md"

phase=streams
echo "## 3. streams per node (640x480 at 30 fps, one node)" | tee -a "$out/summary.md"
start_redis
http_port=$(free_port)
start_node solo --max-jobs 0 --max-streams 64 --http "127.0.0.1:$http_port"
wait_joined solo
for n in $(seq 1 "$max_streams"); do
  "$va" cluster add --cluster "$cluster" "s$n=$sample" >/dev/null
  sleep 12 # placed within a round, then settled (videoaffect_fps is over the last 5 s)
  curl -s "http://127.0.0.1:$http_port/metrics" > "$out/metrics-$n.txt"; sleep 5
  curl -s "http://127.0.0.1:$http_port/metrics" > "$out/metrics-$n-b.txt"
  python3 - "$out/metrics-$n.txt" "$out/metrics-$n-b.txt" "$n" > "$out/step-$n.txt" <<'PY' && keeps=1 || keeps=0
import re, sys
def read(path, name):
    values = {}
    for line in open(path):
        m = re.match(name + r'\{[^}]*stream="([^"]+)"[^}]*\} ([0-9.e+-]+)', line)
        if m: values[m.group(1)] = float(m.group(2))
    return values
fps = read(sys.argv[2], 'videoaffect_fps')
d0, d1 = read(sys.argv[1], 'videoaffect_frames_dropped_total'), read(sys.argv[2], 'videoaffect_frames_dropped_total')
dropped = sum(d1.get(s, 0) - d0.get(s, 0) for s in d1)
print(f"- {sys.argv[3]} stream(s): fps per stream min {min(fps.values(), default=0):.1f}, mean {sum(fps.values())/max(1,len(fps)):.1f}; frames dropped in 5 s: {dropped:.0f}")
sys.exit(0 if min(fps.values(), default=0) >= 15 else 1)
PY
  tee -a "$out/summary.md" < "$out/step-$n.txt"
  [ "$keeps" = 1 ] || break # below half the source's rate: more streams only drop more
done
stop_cluster
echo "(raw logs and metrics in $out)"
