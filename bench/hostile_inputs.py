#!/usr/bin/env python3
"""Times every case of tests/data/hostile_inputs.tsv and reports its peak memory: the
hardening issue's target is under 1 s and 100 MB for each (a bench, not a unit test: these
machines are noisy). Usage: bench/hostile_inputs.py [BUILD_DIR]   (default: build)

Each case runs as `sh -c 'exec colossim ARGS'` (a redirection such as `> /dev/full` stays
the shell's) and is measured with os.wait4: wall time, and the child's peak resident set.
"""
import os
import pathlib
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def fixtures(d: pathlib.Path) -> dict:
    """The files the placeholders name (as tests/test_hostile_input.cpp makes them)."""
    os.mkfifo(d / "fifo")
    (d / "folder").mkdir()
    (d / "big.yaml").write_bytes(b" " * (17 << 20))
    (d / "empty.yaml").write_bytes(b"")
    (d / "binary.bin").write_bytes(os.urandom(4096))
    (d / "latin1.yaml").write_bytes(b"model: caf\xe9\ncluster: dgx-h100\xff\ngpus: 8\n")
    (d / "deep.yaml").write_text("a: " + "[" * 10000 + "]" * 10000 + "\n")
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for k in "bcdefghij":
        laughs += f"{k}: &{k} [" + ", ".join("*" + chr(ord(k) - 1) for _ in range(9)) + "]\n"
    (d / "aliases.yaml").write_text(laughs)
    scenario = "model: llama3-8b\ncluster: dgx-h100\ngpus: 8\ntraining: {seq_len: 2048, global_batch: 64}\n"
    (d / "scenario.yaml").write_text(scenario)
    (d / "many.yaml").write_text(scenario + "".join(f"unknown_key_{i}: 1\n" for i in range(200000)))
    (d / "dup.yaml").write_text(scenario + "gpus: 16\n")
    (d / "bad-model.yaml").write_text("name: m\nlayers: -3\nhidden: 4096\n")
    (d / "bad-cluster.yaml").write_text("name: c\ngpus_per_node: 8\n")
    (d / "not-yaml.json").write_text('{"a": [1, 2,\n')
    (d / "bad-failures.yaml").write_text("name: f\ncauses: 12\n")
    (d / "bad-prices.yaml").write_text("gpu: lots\n")
    (d / "grid.yaml").write_text("models: [llama3-8b]\nclusters: [dgx-h100]\ngpus: [16]\n"
                                 "training: {seq_len: 2048, global_batch: 64}\n")
    names = {"FIFO": "fifo", "DIR": "folder", "BIG": "big.yaml", "EMPTY": "empty.yaml", "BINARY": "binary.bin",
             "LATIN1": "latin1.yaml", "DEEP": "deep.yaml", "ALIASES": "aliases.yaml", "MANYKEYS": "many.yaml",
             "DUPKEYS": "dup.yaml", "SCENARIO": "scenario.yaml", "GRID": "grid.yaml", "BADMODEL": "bad-model.yaml",
             "BADCLUSTER": "bad-cluster.yaml", "NOTYAML": "not-yaml.json", "BADFAILURES": "bad-failures.yaml",
             "BADPRICES": "bad-prices.yaml", "OUT": "out", "NODIR": "missing/out"}
    return {"{SRC}": str(ROOT), **{"{" + k + "}": str(d / v) for k, v in names.items()}}


def main() -> int:
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    binary = str((ROOT / build / "colossim").resolve())
    cases = []
    for line in (ROOT / "tests/data/hostile_inputs.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            cases.append(line.split("\t")[1])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        names = fixtures(pathlib.Path(tmp))
        for args in cases:
            for k, v in names.items():
                args = args.replace(k, shlex.quote(v))
            start = time.monotonic()
            p = subprocess.Popen(["sh", "-c", f"exec {shlex.quote(binary)} {args}"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            _, _, usage = os.wait4(p.pid, 0)
            rows.append((time.monotonic() - start, usage.ru_maxrss / 1024.0, args))
    slowest = max(rows)
    biggest = max(rows, key=lambda r: r[1])
    print(f"{len(rows)} hostile cases: slowest {slowest[0]:.2f} s ({slowest[2][:70]})")
    print(f"largest peak memory {biggest[1]:.0f} MB ({biggest[2][:70]})")
    over = [r for r in rows if r[0] >= 1.0 or r[1] >= 100]
    for t, mb, args in over:
        print(f"  over target: {t:.2f} s {mb:.0f} MB  {args[:90]}")
    print("every case under 1 s and 100 MB" if not over else f"{len(over)} cases over 1 s or 100 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
