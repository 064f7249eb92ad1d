#!/usr/bin/env python3
"""Re-runs the commands shown in README.md and puts their real output back, or checks it.

A README block is a command block when it is a ``` fence whose first line is a command
("$ build/colossim ..." or "$ mpirun ... build/colossim ..."). Each "$ " line in it (continued
with a trailing backslash, a trailing "  # comment" is for the reader) is run from the
repository root with build/ replaced by BUILD_DIR; everything after it up to the next "$ "
line or the closing fence is what that command prints (standard output and error together).

Usage:
  tools/update_readme.py [BUILD_DIR]           rewrite the outputs (default BUILD_DIR: build)
  tools/update_readme.py --check [BUILD_DIR]   exit 1, with a diff, when any block differs

Timings are excepted from the check: a wall-clock figure ("estimated in 0.079 s",
"simulated in 1.2 s") differs from run to run, so the check compares those lines with the
figure masked (TIMING below). Everything else must match to the character.
"""
import difflib
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Wall-clock figures the commands print: "<verb> in 0.079 s" and the event engine's
# "wall clock 1.23 s"; the number (and its unit) is masked before comparing.
TIMING = re.compile(r"((?:estimated|evaluated|simulated|planned|ran|took|swept|searched) in |wall clock:? )"
                    r"[0-9][0-9.,]*\s*(?:ms|us|µs|s|min)\b")


def mask(line: str) -> str:
    return TIMING.sub(lambda m: m.group(1) + "<timing>", line)


def is_command(line: str) -> bool:
    return line.startswith("$ ") and "build/colossim" in line.split("  #")[0] + " "


def run(command: list[str], build: str) -> list[str]:
    text = " ".join(c.rstrip("\\").strip() for c in command)[2:]
    text = text.split("  #")[0].replace("build/colossim", f"{build}/colossim")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", COLUMNS="100")
    result = subprocess.run(text, shell=True, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=600)
    printed = result.stdout.rstrip("\n")
    return printed.split("\n") if printed else []


def regenerate(lines: list[str], build: str):
    """The README with every command block's output re-run; also the (old, new) pairs."""
    out, blocks, i = [], [], 0
    while i < len(lines):
        out.append(lines[i])
        if not (lines[i].startswith("```") and i + 1 < len(lines) and is_command(lines[i + 1])):
            i += 1
            continue
        end = i + 1
        while not lines[end].startswith("```"):
            end += 1
        body, j, new = lines[i + 1 : end], 0, []
        while j < len(body):
            if not body[j].startswith("$ "):  # text before the first command: keep
                new.append(body[j])
                j += 1
                continue
            command = [body[j]]
            while command[-1].endswith("\\") and j + 1 < len(body):
                j += 1
                command.append(body[j])
            j += 1
            while j < len(body) and not body[j].startswith("$ "):
                j += 1
            new.extend(command)
            new.extend(run(command, build))
        blocks.append((i + 2, body, new))
        out.extend(new)
        i = end
    return out, blocks


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    build = args[0] if args else "build"
    readme = ROOT / "README.md"
    lines = readme.read_text().split("\n")
    out, blocks = regenerate(lines, build)
    if not check:
        readme.write_text("\n".join(out))
        print(f"refreshed {len(blocks)} blocks")
        return 0
    stale = 0
    for line, old, new in blocks:
        if [mask(l) for l in old] != [mask(l) for l in new]:
            stale += 1
            print(f"README.md:{line}: the block differs from what its commands print now:")
            sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in old], [l + "\n" for l in new],
                                                       "README.md", "commands", n=1))
    if stale:
        print(f"{stale} of {len(blocks)} blocks are stale: run tools/update_readme.py {build}")
        return 1
    print(f"all {len(blocks)} command blocks match what the commands print (timings excepted)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
