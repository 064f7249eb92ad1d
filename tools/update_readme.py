#!/usr/bin/env python3
"""Re-runs the commands shown in README.md and puts their real output back.

A README block is refreshed when it is a ``` fence whose first line is "$ build/colossim
..." (continued with a trailing backslash); everything after the command up to the
closing fence is replaced by what the command prints now. Blocks with several commands
are left alone. Usage: tools/update_readme.py [BUILD_DIR]   (default: build)
"""
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
build = sys.argv[1] if len(sys.argv) > 1 else "build"
lines = (root / "README.md").read_text().split("\n")
out, i, refreshed = [], 0, 0
while i < len(lines):
    out.append(lines[i])
    if lines[i].startswith("```") and i + 1 < len(lines) and lines[i + 1].startswith("$ build/colossim"):
        j = i + 1
        command = []
        while True:
            command.append(lines[j])
            if not lines[j].endswith("\\"):
                break
            j += 1
        end = j + 1
        while not lines[end].startswith("```"):
            end += 1
        body = lines[j + 1 : end]
        if any(l.startswith("$ ") for l in body):  # several commands: leave as written
            i += 1
            continue
        text = " ".join(c.rstrip("\\").strip() for c in command)[2:]
        text = text.split("  #")[0].replace("build/colossim", f"{build}/colossim", 1)
        result = subprocess.run(text, shell=True, cwd=root, capture_output=True, text=True)
        printed = (result.stdout + result.stderr).rstrip("\n")
        out.extend(command)
        out.extend(printed.split("\n") if printed else [])
        i = end
        refreshed += 1
        continue
    i += 1
(root / "README.md").write_text("\n".join(out))
print(f"refreshed {refreshed} blocks")
