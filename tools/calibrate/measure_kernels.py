#!/usr/bin/env python3
"""Measure the throughput of the kernels one transformer training step runs.

Calibration / validation data for colossim's compute model. Runs on one CUDA GPU
with PyTorch and writes, into --out:

  h200-gemm.csv       bf16 torch.matmul: square, per-GPU training shapes, thin
                      shapes, and one layer's backward (dgrad / wgrad) shapes
  h200-attention.csv  scaled_dot_product_attention, flash backend (and cuDNN,
                      for comparison), forward and forward+backward
  h200-memory.csv     memory-bound kernels: copy, add, layer_norm, rms_norm
  h200-device.txt     device facts: name, SMs, versions, nvidia-smi clocks/power
  h200-smi-log.csv    nvidia-smi samples (clocks, power, temperature) taken
                      every 250 ms during the whole run

Timing: CUDA events around a CUDA-graph replay of n_inner back-to-back launches
(n_inner chosen so that one replay lasts about --target-ms), after warm-up; the
reported time is the median over --reps replays, divided by n_inner. Where a
graph cannot be captured, a plain launch loop is timed instead (column
"method"). Inputs are random normal bf16 (never zeros); for small problems the
inputs rotate over several buffer sets so the working set exceeds the L2 cache
(column "n_sets").

Usage:  python3 tools/calibrate/measure_kernels.py --out DIR [--quick]
"""

import argparse
import csv
import datetime
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import traceback

import torch
import torch.nn.functional as F

BF16 = torch.bfloat16
T0 = time.time()


def log(msg):
    now = datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]
    print(f"[{now} +{time.time() - T0:6.1f}s] {msg}", flush=True)


# ----------------------------------------------------------------------------
# output helpers


class CsvOut:
    """CSV file with '#' comment lines on top; every row is flushed at once."""

    def __init__(self, path, comments, columns):
        self.path = path
        self.f = open(path, "w", newline="")
        for c in comments:
            self.f.write("# " + c + "\n")
        self.columns = columns
        self.w = csv.DictWriter(self.f, fieldnames=columns, extrasaction="ignore")
        self.w.writeheader()
        self.f.flush()
        self.rows = []

    def add(self, row):
        out = {}
        for k in self.columns:
            v = row.get(k, "")
            if isinstance(v, float):
                v = f"{v:.6g}" if abs(v) < 1e6 else f"{v:.0f}"
            out[k] = v
        self.w.writerow(out)
        self.f.flush()
        self.rows.append(row)

    def close(self):
        self.f.close()


def sh(cmd, timeout=30):
    """Run a shell command, return its output (or the error) as text."""
    try:
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
        return (r.stdout + r.stderr).rstrip() + ("" if r.returncode == 0 else f"\n[exit {r.returncode}]")
    except Exception as e:  # noqa: BLE001
        return f"[failed: {type(e).__name__}: {e}]"


# ----------------------------------------------------------------------------
# timing


class Timer:
    def __init__(self, reps, warmup, target_us, max_inner, use_graph=True):
        self.reps = reps
        self.warmup = warmup
        self.target_us = target_us
        self.max_inner = max_inner
        self.use_graph = use_graph

    def time(self, step, n_sets=1, use_graph=None):
        """step(i) launches one operation on buffer set i (0 <= i < n_sets).

        Returns dict with median_us, min_us, max_us (per operation), n_inner,
        method ('graph' or 'loop') and est_us (the first, plain-loop estimate).
        """
        if use_graph is None:
            use_graph = self.use_graph
        it = 0
        for _ in range(self.warmup):
            step(it % n_sets)
            it += 1
        torch.cuda.synchronize()
        e0 = torch.cuda.Event(enable_timing=True)
        e1 = torch.cuda.Event(enable_timing=True)
        n_est = 3
        e0.record()
        for _ in range(n_est):
            step(it % n_sets)
            it += 1
        e1.record()
        torch.cuda.synchronize()
        est_us = e0.elapsed_time(e1) * 1000.0 / n_est
        n_inner = int(round(self.target_us / max(est_us, 0.5)))
        n_inner = max(1, min(self.max_inner, n_inner))

        graph = None
        method = "loop"
        if use_graph:
            try:
                s = torch.cuda.Stream()
                s.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(s):
                    for i in range(3):
                        step(i % n_sets)
                torch.cuda.current_stream().wait_stream(s)
                torch.cuda.synchronize()
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph):
                    for i in range(n_inner):
                        step(i % n_sets)
                graph.replay()
                torch.cuda.synchronize()
                method = "graph"
            except Exception as e:  # noqa: BLE001
                log(f"    graph capture failed ({type(e).__name__}: {str(e)[:200]}); timing a plain loop")
                graph = None
                try:
                    torch.cuda.synchronize()
                except Exception:  # noqa: BLE001
                    pass

        if graph is not None:
            run = graph.replay
        else:
            def run():
                for i in range(n_inner):
                    step(i % n_sets)

        run()
        torch.cuda.synchronize()
        starts = [torch.cuda.Event(enable_timing=True) for _ in range(self.reps)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(self.reps)]
        for r in range(self.reps):
            starts[r].record()
            run()
            ends[r].record()
        torch.cuda.synchronize()
        ts = sorted(starts[r].elapsed_time(ends[r]) * 1000.0 / n_inner for r in range(self.reps))
        del graph
        return {
            "median_us": statistics.median(ts),
            "min_us": ts[0],
            "max_us": ts[-1],
            "n_inner": n_inner,
            "method": method,
            "est_us": est_us,
        }


def rel_err(out, ref):
    out = out.float()
    ref = ref.float()
    return ((out - ref).norm() / ref.norm()).item()


def n_sets_for(bytes_per_set, rot_bytes, max_sets):
    return max(1, min(max_sets, int(math.ceil(rot_bytes / max(bytes_per_set, 1)))))


# ----------------------------------------------------------------------------
# device facts


def device_facts(path, args):
    lines = []
    add = lines.append
    add(f"measured_at_utc: {datetime.datetime.now(datetime.timezone.utc).isoformat()}")
    add(f"python: {sys.version.split()[0]}  ({sys.executable})")
    add(f"platform: {platform.platform()}")
    add(f"torch: {torch.__version__}")
    add(f"torch.version.cuda: {torch.version.cuda}")
    try:
        add(f"cudnn: {torch.backends.cudnn.version()}")
    except Exception as e:  # noqa: BLE001
        add(f"cudnn: [failed: {e}]")
    try:
        add("matmul.allow_bf16_reduced_precision_reduction: "
            f"{torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction}")
    except Exception:  # noqa: BLE001
        pass
    add(f"device_count: {torch.cuda.device_count()}")
    add(f"get_device_name: {torch.cuda.get_device_name(0)}")
    p = torch.cuda.get_device_properties(0)
    for attr in ("name", "major", "minor", "multi_processor_count", "total_memory",
                 "L2_cache_size", "max_threads_per_multi_processor",
                 "regs_per_multiprocessor", "clock_rate", "memory_clock_rate",
                 "memory_bus_width", "uuid"):
        if hasattr(p, attr):
            add(f"props.{attr}: {getattr(p, attr)}")
    add(f"script args: {vars(args)}")
    add("")
    add("$ nvidia-smi --query-gpu=... --format=csv")
    add(sh("nvidia-smi --query-gpu=name,driver_version,pci.bus_id,memory.total,"
           "power.limit,power.default_limit,power.max_limit,enforced.power.limit,"
           "clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem,clocks.applications.graphics,"
           "temperature.gpu,persistence_mode,compute_mode,mig.mode.current --format=csv"))
    add("")
    add("$ nvidia-smi")
    add(sh("nvidia-smi"))
    add("")
    add("$ nvidia-smi -q -d CLOCK")
    add(sh("nvidia-smi -q -d CLOCK"))
    add("")
    add("$ nvidia-smi -q -d POWER")
    add(sh("nvidia-smi -q -d POWER"))
    add("")
    add("$ nvidia-smi -q -d PERFORMANCE")
    add(sh("nvidia-smi -q -d PERFORMANCE"))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    for ln in lines[:16]:
        log("  " + ln)
    return p


def start_smi_logger(path):
    fields_list = [
        "timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,utilization.gpu,"
        "clocks_event_reasons.active",
        "timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,utilization.gpu,"
        "clocks_throttle_reasons.active",
        "timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu",
    ]
    for fields in fields_list:
        try:
            f = open(path, "w")
            cmd = ["nvidia-smi", f"--query-gpu={fields}", "--format=csv", "-lms", "250"]
            if shutil.which("stdbuf"):
                cmd = ["stdbuf", "-oL"] + cmd  # line-buffered, so samples reach the file
            proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
            time.sleep(0.7)
            if proc.poll() is None:
                log(f"nvidia-smi logger running ({fields})")
                return proc, f
            f.close()
        except Exception as e:  # noqa: BLE001
            log(f"nvidia-smi logger failed: {e}")
            return None, None
    log("nvidia-smi logger could not start")
    return None, None


# ----------------------------------------------------------------------------
# GEMM


def gemm_specs(quick):
    specs = []  # (group, kind, M, N, K, layout)
    squares = [256, 512, 1024, 2048, 4096, 8192, 16384]
    if quick:
        squares = [1024, 8192]
    for n in squares:
        specs.append(("square", f"square_{n}", n, n, n, "rm.rm"))
    models = {
        "gpt3_h12288_tp8": [("qkv", 12288, 4608), ("proj", 1536, 12288),
                            ("fc1", 12288, 6144), ("fc2", 6144, 12288)],
        "llama3_405b_tp8": [("qkv", 16384, 2560), ("proj", 2048, 16384),
                            ("fc1", 16384, 13312), ("fc2", 6656, 16384)],
        "llama3_8b_tp1": [("qkv", 4096, 6144), ("proj", 4096, 4096),
                          ("fc1", 4096, 28672), ("fc2", 14336, 4096)],
    }
    Ms = [2048, 4096, 8192, 16384] if not quick else [8192]
    for model, layers in models.items():
        for M in Ms:
            for name, K, N in layers:
                specs.append(("train", f"{model}_{name}_fwd", M, N, K, "rm.rm"))
    thin_kn = [128, 256, 512, 1024] if not quick else [256]
    for kn in thin_kn:
        specs.append(("thin", f"thin_M8192_KN{kn}", 8192, kn, kn, "rm.rm"))
    thin_m = [64, 128, 256, 512] if not quick else [128]
    for m in thin_m:
        specs.append(("thin", f"thin_M{m}_KN8192", m, 8192, 8192, "rm.rm"))
    # one layer's backward, Llama-3-405B TP=8, M = 8192 tokens.
    # nn.Linear stores W as [N,K]: fwd  Y = X @ W.t()      [M,K]x[K,N]  (B is a transposed view)
    #                            dgrad dX = dY @ W         [M,N]x[N,K]
    #                            wgrad dW^T = X.t() @ dY   [K,M]x[M,N]  (A is a transposed view)
    M = 8192
    for name, K, N in models["llama3_405b_tp8"]:
        if quick and name != "fc1":
            continue
        specs.append(("bwd", f"llama3_405b_tp8_{name}_fwd_nt", M, N, K, "rm.T"))
        specs.append(("bwd", f"llama3_405b_tp8_{name}_dgrad", M, K, N, "rm.rm"))
        specs.append(("bwd", f"llama3_405b_tp8_{name}_wgrad", K, N, M, "T.rm"))
        if name == "fc1":
            specs.append(("bwd", f"llama3_405b_tp8_{name}_fwd", M, N, K, "rm.rm"))
            specs.append(("bwd", f"llama3_405b_tp8_{name}_wgrad_contig", K, N, M, "rm.rm"))
    return specs


def make_a(M, K, layout):
    if layout.split(".")[0] == "T":
        return torch.randn(K, M, device="cuda", dtype=BF16).t()
    return torch.randn(M, K, device="cuda", dtype=BF16)


def make_b(K, N, layout):
    if layout.split(".")[1] == "T":
        return torch.randn(N, K, device="cuda", dtype=BF16).t()
    return torch.randn(K, N, device="cuda", dtype=BF16)


def run_gemms(args, timer, out_dir, deadline):
    cols = ["M", "N", "K", "kind", "time_us", "tflops", "group", "layout", "min_us",
            "max_us", "n_inner", "n_sets", "method", "frac_of_989"]
    csvo = CsvOut(os.path.join(out_dir, "h200-gemm.csv"), [
        "bf16 GEMM via torch.matmul(A, B, out=C), A [M,K], B [K,N], C [M,N]; random normal inputs; fp32 accumulate (cuBLAS).",
        "time_us = median over reps of one CUDA-graph replay of n_inner matmuls / n_inner (CUDA events), after warm-up.",
        "min_us/max_us: fastest/slowest rep. tflops = 2*M*N*K / time_us / 1e6. frac_of_989 = tflops / 989.4 (H100/H200 SXM dense bf16 datasheet peak).",
        "layout A.B: rm = operand contiguous row-major as shaped; T = operand is a transposed view of a contiguous tensor (e.g. B = W.t() with W stored [N,K], as nn.Linear does; A = X.t() with X stored [M',K'] for wgrad).",
        "groups: square; train = per-GPU transformer shapes (tokens M x (K->N)); thin; bwd = Llama-3-405B TP=8 one layer at M=8192 (fwd_nt: X@W.t(); dgrad: dY@W; wgrad: X.t()@dY).",
        "n_sets: inputs rotate over n_sets buffer sets so the working set is >= ~256 MB (beyond the 60 MB L2) where memory allows.",
    ], cols)
    specs = gemm_specs(args.quick)
    log(f"GEMM: {len(specs)} shapes")
    for idx, (group, kind, M, N, K, layout) in enumerate(specs):
        if time.time() > deadline:
            log(f"  deadline reached, skipping {kind} and the rest")
            break
        try:
            bytes_per_set = 2 * (M * K + K * N + M * N)
            n_sets = n_sets_for(bytes_per_set, 256e6, 32)
            As = [make_a(M, K, layout) for _ in range(n_sets)]
            Bs = [make_b(K, N, layout) for _ in range(n_sets)]
            Cs = [torch.empty(M, N, device="cuda", dtype=BF16) for _ in range(n_sets)]

            def step(i, As=As, Bs=Bs, Cs=Cs):
                torch.matmul(As[i], Bs[i], out=Cs[i])

            r = timer.time(step, n_sets)
            flops = 2.0 * M * N * K
            tflops = flops / r["median_us"] / 1e6
            row = dict(M=M, N=N, K=K, kind=kind, time_us=r["median_us"], tflops=tflops,
                       group=group, layout=layout, min_us=r["min_us"], max_us=r["max_us"],
                       n_inner=r["n_inner"], n_sets=n_sets, method=r["method"],
                       frac_of_989=tflops / 989.4)
            csvo.add(row)
            log(f"  [{idx + 1}/{len(specs)}] {kind:36s} M={M:6d} N={N:6d} K={K:6d} {layout:5s} "
                f"{r['median_us']:10.1f} us {tflops:7.1f} TFLOP/s  (min {r['min_us']:.1f} max {r['max_us']:.1f}, "
                f"x{r['n_inner']} {r['method']}, sets {n_sets})")
            if kind in ("square_1024", "square_8192"):
                ref = As[0].float() @ Bs[0].float()
                torch.matmul(As[0], Bs[0], out=Cs[0])
                log(f"    check: rel err vs fp32 matmul = {rel_err(Cs[0], ref):.2e}")
                del ref
            del As, Bs, Cs, step
        except Exception as e:  # noqa: BLE001
            log(f"  [{idx + 1}/{len(specs)}] {kind} FAILED: {type(e).__name__}: {e}")
            traceback.print_exc()
        torch.cuda.empty_cache()
    csvo.close()
    return csvo.rows


# ----------------------------------------------------------------------------
# memory-bound kernels


def run_memory(args, timer, out_dir, deadline):
    cols = ["op", "rows", "cols", "dtype", "bytes", "time_us", "gbps", "frac_of_4800",
            "min_us", "max_us", "n_inner", "n_sets", "method"]
    csvo = CsvOut(os.path.join(out_dir, "h200-memory.csv"), [
        "Memory-bound kernels on bf16 [rows, cols] tensors, random normal inputs.",
        "bytes = bytes read + bytes written, each tensor once (copy: 2 tensors; add a+b->c: 3; layer_norm / rms_norm: x read + y written, the [cols] weight/bias ignored).",
        "time_us = median over reps of CUDA-graph replays / n_inner (CUDA events); gbps = bytes / time_us / 1e3 (GB/s, 1 GB = 1e9 B); frac_of_4800 = gbps / 4800 (H200 HBM3e datasheet).",
        "n_sets: inputs rotate over buffer sets so the working set is >= ~512 MB, well beyond the 60 MB L2.",
    ], cols)
    shapes = [(8192, 16384), (8192, 4096)]
    ops = ["copy", "add", "layer_norm", "rms_norm"]
    for rows, ncols in shapes:
        numel = rows * ncols
        for op in ops:
            if time.time() > deadline:
                log(f"  deadline reached, skipping {op} {rows}x{ncols}")
                continue
            try:
                if op == "rms_norm" and not hasattr(F, "rms_norm"):
                    log("  F.rms_norm not present; skipped")
                    continue
                n_t = {"copy": 2, "add": 3, "layer_norm": 2, "rms_norm": 2}[op]
                nbytes = n_t * numel * 2
                n_sets = n_sets_for(nbytes, 512e6, 8)
                xs = [torch.randn(rows, ncols, device="cuda", dtype=BF16) for _ in range(n_sets)]
                ys = [torch.randn(rows, ncols, device="cuda", dtype=BF16) for _ in range(n_sets)]
                zs = [torch.empty(rows, ncols, device="cuda", dtype=BF16) for _ in range(n_sets)] if op == "add" else None
                w = torch.randn(ncols, device="cuda", dtype=BF16)
                b = torch.randn(ncols, device="cuda", dtype=BF16)
                if op == "copy":
                    def step(i, xs=xs, ys=ys):
                        ys[i].copy_(xs[i])
                elif op == "add":
                    def step(i, xs=xs, ys=ys, zs=zs):
                        torch.add(xs[i], ys[i], out=zs[i])
                elif op == "layer_norm":
                    def step(i, xs=xs, w=w, b=b, ncols=ncols):
                        F.layer_norm(xs[i], (ncols,), w, b, 1e-5)
                else:
                    def step(i, xs=xs, w=w, ncols=ncols):
                        F.rms_norm(xs[i], (ncols,), w, 1e-5)
                r = timer.time(step, n_sets)
                gbps = nbytes / r["median_us"] / 1e3
                csvo.add(dict(op=op, rows=rows, cols=ncols, dtype="bf16", bytes=nbytes,
                              time_us=r["median_us"], gbps=gbps, frac_of_4800=gbps / 4800.0,
                              min_us=r["min_us"], max_us=r["max_us"], n_inner=r["n_inner"],
                              n_sets=n_sets, method=r["method"]))
                log(f"  {op:10s} [{rows}x{ncols}] {r['median_us']:9.1f} us {gbps:7.0f} GB/s "
                    f"(min {r['min_us']:.1f} max {r['max_us']:.1f}, x{r['n_inner']} {r['method']}, sets {n_sets})")
                del xs, ys, zs, w, b, step
            except Exception as e:  # noqa: BLE001
                log(f"  {op} {rows}x{ncols} FAILED: {type(e).__name__}: {e}")
                traceback.print_exc()
            torch.cuda.empty_cache()
    csvo.close()
    return csvo.rows


# ----------------------------------------------------------------------------
# attention


def run_attention(args, timer, out_dir, deadline):
    from torch.nn.attention import SDPBackend, sdpa_kernel

    cols = ["config", "backend", "batch", "q_heads", "kv_heads", "seq", "head_dim", "causal",
            "pass", "gqa_mode", "time_us", "flops_full", "flops_eff", "tflops_eff",
            "tflops_fullcount", "min_us", "max_us", "n_inner", "method"]
    csvo = CsvOut(os.path.join(out_dir, "h200-attention.csv"), [
        "torch.nn.functional.scaled_dot_product_attention, bf16, q/k/v [batch, heads, seq, head_dim] random normal, dropout 0, default scale.",
        "backend: flash = sdpa_kernel(SDPBackend.FLASH_ATTENTION) (PyTorch's built-in FlashAttention-2 kernels); cudnn = SDPBackend.CUDNN_ATTENTION, for comparison.",
        "pass: fwd = forward alone; fwd_bwd = forward + torch.autograd.grad w.r.t. q, k, v (backward recomputes attention inside the kernel).",
        "FLOP convention: fwd_full = 4 * batch * q_heads * seq^2 * head_dim (QK^T and PV, non-causal count); bwd = 2.5 * fwd_full (5 matmuls incl. recompute); fwd_bwd = 3.5 * fwd_full.",
        "flops_full = that count, non-causal; flops_eff = flops_full / 2 when causal (the work actually needed), = flops_full otherwise.",
        "tflops_eff = flops_eff / time_us / 1e6 (achieved, counting causal as half); tflops_fullcount = flops_full / time_us / 1e6.",
        "gqa_mode: native = SDPA enable_gqa=True with kv_heads < q_heads; expanded = k/v repeated to q_heads before the call (expansion not timed); mha = kv_heads == q_heads.",
        "time_us = median over reps of CUDA-graph replays / n_inner (plain launch loop where capture failed: method=loop). Inputs not rotated (attention is compute-bound).",
    ], cols)

    D = 128
    seqs = [1024, 2048, 4096, 8192, 16384] if not args.quick else [2048, 8192]
    # (config, batch, q_heads, kv_heads)
    configs = [
        ("mha_b1_h16", 1, 16, 16),          # e.g. a 128-head model with TP=8
        ("gqa_405b_tp8_b1_h16_kv1", 1, 16, 1),  # Llama-3-405B TP=8: 16 q heads, 1 kv head
        ("gqa_8b_tp1_b1_h32_kv8", 1, 32, 8),    # Llama-3-8B TP=1: 32 q heads, 8 kv heads
    ]
    backends = [("flash", SDPBackend.FLASH_ATTENTION)]
    if not args.no_cudnn:
        backends.append(("cudnn", SDPBackend.CUDNN_ATTENTION))

    # correctness check of the flash backend against an fp32 math reference
    try:
        q = torch.randn(1, 16, 1024, D, device="cuda", dtype=BF16)
        k = torch.randn(1, 16, 1024, D, device="cuda", dtype=BF16)
        v = torch.randn(1, 16, 1024, D, device="cuda", dtype=BF16)
        with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        with sdpa_kernel(SDPBackend.MATH):
            ref = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), is_causal=True)
        log(f"  check: flash causal vs fp32 math rel err = {rel_err(o, ref):.2e}")
        del q, k, v, o, ref
    except Exception as e:  # noqa: BLE001
        log(f"  attention check FAILED: {type(e).__name__}: {e}")

    for bname, backend in backends:
        for cfg, B, HQ, HKV in configs:
            gqa_mode = "mha" if HQ == HKV else None
            for s in seqs:
                for causal in (False, True):
                    for pss in ("fwd", "fwd_bwd"):
                        tag = f"{bname} {cfg} s={s} causal={causal} {pss}"
                        if time.time() > deadline:
                            log(f"  deadline reached, skipping {tag}")
                            continue
                        try:
                            q = torch.randn(B, HQ, s, D, device="cuda", dtype=BF16)
                            k = torch.randn(B, HKV, s, D, device="cuda", dtype=BF16)
                            v = torch.randn(B, HKV, s, D, device="cuda", dtype=BF16)
                            kw = {}
                            with sdpa_kernel(backend):
                                if gqa_mode is None:
                                    try:
                                        F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
                                        torch.cuda.synchronize()
                                        gqa_mode = "native"
                                    except Exception as e:  # noqa: BLE001
                                        log(f"    {bname}: enable_gqa=True not usable ({type(e).__name__}: {str(e)[:160]}); expanding k/v")
                                        gqa_mode = "expanded"
                                if gqa_mode == "native":
                                    kw = {"enable_gqa": True}
                                elif gqa_mode == "expanded":
                                    k = k.repeat_interleave(HQ // HKV, dim=1).contiguous()
                                    v = v.repeat_interleave(HQ // HKV, dim=1).contiguous()
                                if pss == "fwd":
                                    def step(i, q=q, k=k, v=v, causal=causal, kw=kw):
                                        F.scaled_dot_product_attention(q, k, v, is_causal=causal, **kw)
                                else:
                                    q.requires_grad_(True)
                                    k.requires_grad_(True)
                                    v.requires_grad_(True)
                                    dout = torch.randn(B, HQ, s, D, device="cuda", dtype=BF16)

                                    def step(i, q=q, k=k, v=v, dout=dout, causal=causal, kw=kw):
                                        o = F.scaled_dot_product_attention(q, k, v, is_causal=causal, **kw)
                                        torch.autograd.grad(o, (q, k, v), dout)
                                r = timer.time(step, 1)
                            fwd_full = 4.0 * B * HQ * s * s * D
                            flops_full = fwd_full * (1.0 if pss == "fwd" else 3.5)
                            flops_eff = flops_full * (0.5 if causal else 1.0)
                            tfe = flops_eff / r["median_us"] / 1e6
                            csvo.add(dict(config=cfg, backend=bname, batch=B, q_heads=HQ, kv_heads=HKV,
                                          seq=s, head_dim=D, causal=int(causal), **{"pass": pss},
                                          gqa_mode=gqa_mode, time_us=r["median_us"], flops_full=flops_full,
                                          flops_eff=flops_eff, tflops_eff=tfe,
                                          tflops_fullcount=flops_full / r["median_us"] / 1e6,
                                          min_us=r["min_us"], max_us=r["max_us"], n_inner=r["n_inner"],
                                          method=r["method"]))
                            log(f"  {tag:52s} {r['median_us']:10.1f} us {tfe:6.1f} TFLOP/s eff "
                                f"(min {r['min_us']:.1f} max {r['max_us']:.1f}, x{r['n_inner']} {r['method']}, {gqa_mode})")
                            del q, k, v, step
                        except Exception as e:  # noqa: BLE001
                            log(f"  {tag} FAILED: {type(e).__name__}: {str(e)[:300]}")
                            if bname == "flash":
                                traceback.print_exc()
                        torch.cuda.empty_cache()
    csvo.close()
    return csvo.rows


# ----------------------------------------------------------------------------


def summarize(gemm, mem, attn):
    log("==================== SUMMARY ====================")
    if gemm:
        best = max(gemm, key=lambda r: r["tflops"])
        log(f"GEMM best: {best['kind']} M={best['M']} N={best['N']} K={best['K']}: "
            f"{best['tflops']:.1f} TFLOP/s = {best['tflops'] / 989.4:.1%} of 989.4")
        for r in gemm:
            if r["group"] in ("square", "thin", "bwd"):
                log(f"  {r['kind']:36s} {r['M']:6d} {r['N']:6d} {r['K']:6d} {r['tflops']:7.1f} TFLOP/s")
        tr = [r for r in gemm if r["group"] == "train"]
        if tr:
            for M in sorted({r["M"] for r in tr}):
                sel = [r["tflops"] for r in tr if r["M"] == M]
                log(f"  train shapes M={M:5d}: min {min(sel):6.1f} median {statistics.median(sel):6.1f} "
                    f"max {max(sel):6.1f} TFLOP/s")
    for r in mem:
        log(f"MEM {r['op']:10s} {r['rows']}x{r['cols']}: {r['gbps']:.0f} GB/s")
    for r in attn:
        log(f"ATTN {r['backend']:5s} {r['config']:26s} s={r['seq']:5d} c={int(r['causal'])} {r['pass']:7s} "
            f"{r['time_us']:9.1f} us {r['tflops_eff']:6.1f} TFLOP/s")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.environ.get("OUT", "calibration-out"))
    ap.add_argument("--reps", type=int, default=20, help="timed replays per measurement (median taken)")
    ap.add_argument("--warmup", type=int, default=3, help="warm-up launches before timing")
    ap.add_argument("--target-ms", type=float, default=2.0, help="approximate length of one timed replay")
    ap.add_argument("--budget-s", type=float, default=270.0,
                    help="stop starting new measurements this many seconds after start")
    ap.add_argument("--quick", action="store_true", help="a few shapes only (smoke test)")
    ap.add_argument("--no-graph", action="store_true", help="time plain launch loops, no CUDA graphs")
    ap.add_argument("--no-cudnn", action="store_true", help="skip the cuDNN attention comparison")
    ap.add_argument("--sections", default="gemm,memory,attention")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    if not torch.cuda.is_available():
        log("CUDA not available; nothing to measure")
        return 2
    deadline = T0 + args.budget_s
    torch.manual_seed(0)
    torch.cuda.set_device(0)
    log(f"writing to {args.out}")
    device_facts(os.path.join(args.out, "h200-device.txt"), args)
    smi, smi_f = start_smi_logger(os.path.join(args.out, "h200-smi-log.csv"))

    timer = Timer(args.reps, args.warmup, args.target_ms * 1000.0, max_inner=200,
                  use_graph=not args.no_graph)
    sections = args.sections.split(",")
    gemm, mem, attn = [], [], []
    try:
        if "gemm" in sections:
            log("=== GEMM ===")
            gemm = run_gemms(args, timer, args.out, deadline)
        if "memory" in sections:
            log("=== memory-bound ===")
            mem = run_memory(args, timer, args.out, deadline)
        if "attention" in sections:
            log("=== attention ===")
            attn = run_attention(args, timer, args.out, deadline + 30)
        # drift re-check: the 8192^3 GEMM again at the end
        try:
            A = torch.randn(8192, 8192, device="cuda", dtype=BF16)
            Bm = torch.randn(8192, 8192, device="cuda", dtype=BF16)
            C = torch.empty(8192, 8192, device="cuda", dtype=BF16)
            r = timer.time(lambda i: torch.matmul(A, Bm, out=C), 1)
            log(f"recheck square_8192 at end: {r['median_us']:.1f} us "
                f"{2 * 8192 ** 3 / r['median_us'] / 1e6:.1f} TFLOP/s")
            del A, Bm, C
        except Exception as e:  # noqa: BLE001
            log(f"recheck failed: {e}")
    finally:
        log("nvidia-smi after the run: " + sh(
            "nvidia-smi --query-gpu=clocks.sm,clocks.mem,power.draw,temperature.gpu --format=csv,noheader"))
        if smi is not None:
            smi.send_signal(signal.SIGINT)
            try:
                smi.wait(timeout=5)
            except Exception:  # noqa: BLE001
                smi.kill()
            smi_f.close()
    summarize(gemm, mem, attn)
    log(f"done in {time.time() - T0:.1f} s; peak GPU memory allocated "
        f"{torch.cuda.max_memory_allocated() / 2**30:.1f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
