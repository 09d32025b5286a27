"""The GPU's own view of the kit's run: run.sh samples nvidia-smi every 250 ms while the kit runs
(OUT/gpu-samples.csv, UTC timestamps); this lays those samples over the kit's parts (gpukit.json's
sections, each with its UTC start and length) and appends to OUT/gpukit.md, per part, the samples'
mean and peak GPU utilisation, mean SM clock and peak memory, so that a part that falls short of a
goal says whether the GPU was busy (the kernels are the limit) or idle (the host, a lock or a copy
is). Usage: utilisation.py OUT"""
import csv
import datetime
import json
import os
import sys

out = sys.argv[1]
samples_file = os.path.join(out, "gpu-samples.csv")
report = json.load(open(os.path.join(out, "gpukit.json")))


def parse_time(text):
    # nvidia-smi: "2026/12/04 15:30:01.123"; the kit: ISO 8601 with a Z or without a zone, both UTC.
    text = text.strip().replace("Z", "")
    for pattern in ("%Y/%m/%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.datetime.strptime(text[:26], pattern)
        except ValueError:
            continue
    raise ValueError(f"unreadable time {text!r}")


samples = []
if os.path.exists(samples_file):
    for row in csv.reader(open(samples_file)):
        if len(row) < 5:
            continue
        try:
            samples.append((parse_time(row[0]), float(row[1]), float(row[2]), float(row[3]), float(row[4])))
        except ValueError:
            continue  # a sample nvidia-smi could not take ("[N/A]")
lines = ["", "GPU utilisation per part (nvidia-smi every 250 ms):", ""]
if not samples:
    lines.append("no samples (no nvidia-smi here, or it printed none)")
else:
    lines += ["| part | samples | GPU busy, mean | GPU busy, peak | SM clock, mean | memory used, peak |", "|---|---|---|---|---|---|"]
    for section in report["sections"]:
        start = parse_time(section["started_utc"])
        end = start + datetime.timedelta(seconds=section["seconds"])
        inside = [s for s in samples if start <= s[0] <= end]
        if not inside:
            lines.append(f"| {section['name']} | 0 | | | | |")
            continue
        busy = [s[1] for s in inside]
        lines.append(f"| {section['name']} | {len(inside)} | {sum(busy) / len(busy):.0f} % | {max(busy):.0f} % | "
                     f"{sum(s[3] for s in inside) / len(inside):.0f} MHz | {max(s[4] for s in inside):.0f} MiB |")
with open(os.path.join(out, "gpukit.md"), "a") as md:
    md.write("\n".join(lines) + "\n")
print("\n".join(lines))
