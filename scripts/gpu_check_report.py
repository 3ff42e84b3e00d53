#!/usr/bin/env python3
"""The results table of scripts/gpu_check.sh (standard library only: runs on the GPU machine).

    gpu_check_report.py OUT                      print results.md for the files in OUT
    gpu_check_report.py OUT --no-device          the same, for a run that stopped at "no CUDA device"
    gpu_check_report.py --merge DEST SRC...      merge Google Benchmark JSON files into DEST

OUT holds env.txt, tests.log, bench_cuda.json (BM_CudaDecode, BM_CudaCopyDecode), bench_cpu.json
(BM_Decode, BM_StreamingRead) and torchvision.json (bench/torchvision_cuda_postprocess.py --json-out);
any of them may be missing or cut short (a stage that timed out): its cells then read "-".
Targets (issue 5 / 18): CUDA decode <= 100 us per image at realistic sparsity (1e-4, 1e-3), and
>= 10x torchvision's postprocess_detections on CUDA tensors, both from wall times (the decode call
ends with its one stream synchronisation; torchvision's with torch.cuda.synchronize()).
"""
import json
import os
import re
import sys

TAGS = ["1e-4", "1e-3", "1e-2", "worst"]


def load_json(path):
    """A JSON document, or what can be saved of one cut short (Google Benchmark streams its runs)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    # cut short: keep the complete run objects of the "benchmarks" list
    start = text.find('"benchmarks"')
    runs = []
    if start >= 0:
        dec = json.JSONDecoder()
        i = text.find("[", start) + 1
        while True:
            j = text.find("{", i)
            if j < 0:
                break
            try:
                obj, i = dec.raw_decode(text, j)
            except ValueError:
                break
            runs.append(obj)
    return {"benchmarks": runs, "truncated": True}


def merge(dest, srcs):
    doc = {"context": None, "benchmarks": []}
    for s in srcs:
        d = load_json(s)
        if not d:
            continue
        doc["context"] = doc["context"] or d.get("context")
        doc["benchmarks"] += d.get("benchmarks", [])
        if d.get("truncated"):
            doc.setdefault("truncated", []).append(os.path.basename(s))
    with open(dest, "w") as f:
        json.dump(doc, f, indent=1)


def bench_table(doc):
    """{(name, K, sparsity tag, batch): run} of the medians (or single runs), errors included."""
    out = {}
    for r in (doc or {}).get("benchmarks", []):
        if r.get("run_type") == "aggregate" and r.get("aggregate_name") != "median":
            continue
        m = re.match(r"(BM_\w+)/K:(\d+)/sparsity:(\d)(?:/batch:(\d+))?", r.get("run_name", r.get("name", "")))
        if not m:
            continue
        key = (m.group(1), int(m.group(2)), TAGS[int(m.group(3))], int(m.group(4) or 1))
        if key not in out or r.get("run_type") == "aggregate":
            out[key] = r
    return out


def ms(run):
    """Wall time in ms, or None (missing or failed)."""
    if not run or run.get("error_occurred"):
        return None
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[run.get("time_unit", "ns")]
    return run["real_time"] * scale


def fmt(v, digits=3):
    return "-" if v is None else f"{v:.{digits}f}"


def first_error(table):
    for r in table.values():
        if r.get("error_occurred"):
            return r.get("error_message", "error")
    return None


def report(out_dir, no_device):
    lines = ["# GPU check: CUDA decoder (scripts/gpu_check.sh)", ""]
    try:
        with open(os.path.join(out_dir, "env.txt")) as f:
            lines += ["```", f.read().rstrip(), "```", ""]
    except OSError:
        pass
    try:
        with open(os.path.join(out_dir, "tests.log")) as f:
            log = f.read()
        summary = [l for l in log.splitlines()
                   if re.match(r"\[==========\] .* ran|\[ *(PASSED|SKIPPED) *\] \d+ test|\[ *FAILED *\]", l)]
        lines += ["CUDA equality tests (`--gtest_filter='*DnnRetinaNet_Cuda*'`):", "", "```"] + summary[:25] + ["```", ""]
        if "no CUDA device" in log:
            m = re.search(r"no CUDA device:[^\n]*", log)
            lines += [f"**No CUDA device**: {m.group(0) if m else ''}. Everything was built; nothing was measured.", ""]
    except OSError:
        lines += ["CUDA tests: no tests.log (the build failed or the stage did not run).", ""]
    if no_device:
        return "\n".join(lines) + "\n"

    cuda = bench_table(load_json(os.path.join(out_dir, "bench_cuda.json")))
    cpu = bench_table(load_json(os.path.join(out_dir, "bench_cpu.json")))
    tv_doc = load_json(os.path.join(out_dir, "torchvision.json")) or {}
    tv = {(c["K"], c["sparsity"], c["batch"]): c for c in tv_doc.get("cases", [])}
    if tv_doc.get("skipped"):
        lines += [f"torchvision: skipped ({tv_doc['skipped']})", ""]
    elif tv_doc.get("torch"):
        lines += [f"torchvision: torch {tv_doc['torch']}, torchvision {tv_doc['torchvision']}, "
                  f"{tv_doc.get('gpu', '')}, median of {tv_doc.get('reps')} runs", ""]
    for table, what in ((cuda, "CUDA benchmarks"), (cpu, "CPU benchmarks")):
        err = first_error(table)
        if err:
            lines += [f"{what}: error reported: {err}", ""]

    lines += [
        "Times in ms, medians; 800x1216 input, A = 9; one generated image repeated over the batch.",
        "`decode` = CudaRetinaNetDecoder::decode on device pointers (wall, ends with its one sync; GPU = cudaEvent time);",
        "`host in` = decodeHost (upload of the host tensors + decode); `tv` = torchvision postprocess_detections on",
        "CUDA tensors; `CPU` = the CPU decoder (batch 1, this machine's CPU, all cores). Targets: <= 100 us per image",
        "at 1e-4 / 1e-3, >= 10x torchvision.",
        "",
        "| K | above thr | batch | decode | GPU | us / image | host in | tv | x tv | CPU | CPU / host in | dets |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for K in (91, 80):
        for tag in TAGS:
            for N in (1, 8):
                d = cuda.get(("BM_CudaDecode", K, tag, N))
                h = cuda.get(("BM_CudaCopyDecode", K, tag, N))
                c = cpu.get(("BM_Decode", K, tag, 1)) if N == 1 else None
                t = tv.get((K, tag, N))
                dm, hm, cm = ms(d), ms(h), ms(c)
                gpu = d.get("gpu_ms") if dm is not None else None
                tm = t["median_ms"] if t else None
                per = dm * 1000 / N if dm is not None else None
                speed = tm / dm if dm and tm else None
                host_vs_cpu = cm / hm if cm and hm else None
                dets = d.get("detections") if dm is not None else None
                lines.append(f"| {K} | {tag} | {N} | {fmt(dm)} | {fmt(gpu)} | {fmt(per, 1)} | {fmt(hm)} | {fmt(tm)} "
                             f"| {fmt(speed, 1)} | {fmt(cm)} | {fmt(host_vs_cpu, 2)} | {'-' if dets is None else int(dets)} |")
                if per is not None and tag in ("1e-4", "1e-3"):
                    verdicts.append(("<= 100 us / image", per <= 100.0, f"K={K} {tag} batch {N}: {per:.1f} us"))
                if speed is not None:
                    verdicts.append((">= 10x torchvision", speed >= 10.0, f"K={K} {tag} batch {N}: {speed:.1f}x"))
                if host_vs_cpu is not None:
                    verdicts.append(("host entry beats CPU", host_vs_cpu > 1.0,
                                     f"K={K} {tag}: CPU {cm:.3f} ms vs upload+decode {hm:.3f} ms"))
    lines.append("")
    for target in ("<= 100 us / image", ">= 10x torchvision", "host entry beats CPU"):
        got = [v for v in verdicts if v[0] == target]
        if not got:
            lines.append(f"- {target}: not measured")
            continue
        bad = [v[2] for v in got if not v[1]]
        lines.append(f"- {target}: {len(got) - len(bad)}/{len(got)} cases hold" + (f"; not: {'; '.join(bad)}" if bad else ""))
    reads = [(k, ms(cpu[k])) for k in (("BM_StreamingRead", K, tag, 1) for K in (91, 80) for tag in TAGS) if k in cpu]
    if reads:
        lines.append("- CPU streaming read of the logits (bandwidth floor), ms: " +
                     ", ".join(f"K={k[1]} {k[2]} {fmt(v)}" for k, v in reads))
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) >= 2 and argv[0] == "--merge":
        merge(argv[1], argv[2:])
        return 0
    if not argv:
        print(__doc__)
        return 2
    text = report(argv[0], "--no-device" in argv)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
