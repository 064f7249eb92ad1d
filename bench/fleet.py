#!/usr/bin/env python3
"""The fleet twin's speed and memory targets (issue 10), as a bench, not a unit test:
200,000 GPUs, 90 days, 100,000 jobs, failures on (bench/fleet-200k.yaml):
  - one replication on one thread: under 10 s and 2 GB;
  - 100 replications on the machine's cores: under 5 minutes.
Each run is `colossim fleet` measured with os.wait4 (wall time, the child's peak resident
set). Usage: bench/fleet.py [BUILD_DIR]   (default: build)
"""
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def measure(args):
    start = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    err = p.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed: {err}")
    return wall, usage.ru_maxrss / 1024  # MiB


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build")
    colossim = str(build / "colossim")
    scenario = str(ROOT / "bench" / "fleet-200k.yaml")
    cores = os.cpu_count() or 1
    one_s, one_mib = measure([colossim, "fleet", scenario, "--threads", "1"])
    many_s, many_mib = measure([colossim, "fleet", scenario, "--replications", "100", "--threads", str(cores)])
    print("| fleet run (200,000 GPUs, 90 days, 100,000 jobs, failures on) | wall | peak memory | target |")
    print("|---|---|---|---|")
    print(f"| 1 replication, 1 thread | {one_s:.2f} s | {one_mib:.0f} MiB | < 10 s, < 2 GB |")
    print(f"| 100 replications, {cores} threads | {many_s:.1f} s | {many_mib:.0f} MiB | < 5 min |")
    ok = one_s < 10 and one_mib < 2048 and many_s < 300
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
