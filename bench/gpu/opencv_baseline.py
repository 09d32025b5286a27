"""OpenCV's own cascade (python3 cv2) on the kit's frames, on one core and on all: the baseline the
GPU Haar figures are compared with on the GPU machine, and a check that this OpenCV finds the faces
the packing machine's OpenCV found. Usage: opencv_baseline.py KIT_DATA OUT [--dry-run] [--seconds S]"""
import json
import os
import sys
import time

import cv2
import numpy as np

data, out = sys.argv[1], sys.argv[2]
seconds = 0.05 if "--dry-run" in sys.argv else 1.0
if "--seconds" in sys.argv:
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1])
kit = json.load(open(os.path.join(data, "kit.json")))
settings = kit["detector"]
if not hasattr(cv2, "CascadeClassifier"):
    # Seen on the H200 image on 2026-12-04: an 'import cv2' that has no CascadeClassifier. Say which
    # cv2 it was, so the next GPU session can carry a wheel that has it.
    names = sorted(n for n in dir(cv2) if not n.startswith("_"))
    with open(os.path.join(out, "gpukit.md"), "a") as md:
        md.write(f"\nOpenCV baseline: none (this machine's python3 cv2 {getattr(cv2, '__version__', '?')} has no CascadeClassifier); "
                 "the CPU baseline rows above are our SIMD cascade's\n")
    sys.exit(f"opencv_baseline.py: the cv2 at {getattr(cv2, '__file__', None)} (version {getattr(cv2, '__version__', None)}, "
             f"path {list(getattr(cv2, '__path__', []))}) has no CascadeClassifier; it has {len(names)} names: {names[:30]}")
cascade = cv2.CascadeClassifier(os.path.join(data, kit["cascade_file"]))
frames = []
for f in kit["frames"]:
    bgr = np.fromfile(os.path.join(data, f["bgr_file"]), dtype=np.uint8).reshape(f["height"], f["width"], 3)
    frames.append((f, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)))


def detect(gray):
    max_side = settings["max_face_size"]  # 0: no limit, as OpenCV's empty Size
    return cascade.detectMultiScale(gray, scaleFactor=settings["scale_factor"], minNeighbors=settings["min_neighbors"],
                                    minSize=(settings["min_face_size"],) * 2, maxSize=(max_side, max_side))


results = {"opencv": cv2.__version__, "cores": os.cpu_count(), "same_faces": [], "speeds": []}
for f, gray in frames:
    ours = sorted(tuple(int(v) for v in box) for box in detect(gray))
    packed = sorted((b["x"], b["y"], b["width"], b["height"]) for b in f["open_cv_faces"])
    results["same_faces"].append({"frame": f"{f['name']} {f['width']}x{f['height']}", "same": ours == packed, "here": len(ours), "packed": len(packed)})
for threads in (1, os.cpu_count()):
    cv2.setNumThreads(threads)
    for size in sorted({(f["width"], f["height"]) for f, _ in frames}):
        grays = [g for f, g in frames if (f["width"], f["height"]) == size]
        detect(grays[0])
        runs, start = 0, time.perf_counter()
        while True:
            detect(grays[runs % len(grays)])
            runs += 1
            if time.perf_counter() - start >= seconds:
                break
        fps = runs / (time.perf_counter() - start)
        results["speeds"].append({"name": f"OpenCV {cv2.__version__} cascade {size[0]}x{size[1]}, {threads} thread(s)", "frames_per_second": fps})
json.dump(results, open(os.path.join(out, "opencv_baseline.json"), "w"), indent=2)
with open(os.path.join(out, "gpukit.md"), "a") as md:
    md.write("\n| OpenCV baseline (python3 cv2, same frames) | frames/s |\n|---|---|\n")
    for s in results["speeds"]:
        md.write(f"| {s['name']} | {s['frames_per_second']:.1f} |\n")
    same = all(s["same"] for s in results["same_faces"])
    md.write(f"\nThis machine's OpenCV finds the packed faces: {'yes' if same else 'no: ' + json.dumps(results['same_faces'])}\n")
print(json.dumps(results["speeds"], indent=2))
