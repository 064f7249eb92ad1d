"""Starts `colossim serve --port 0` for a test and stops it: the port it printed, its PID
(for its memory), and a small JSON client over loopback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.request


class Served:
    def __init__(self, *extra: str):
        binary = os.environ["COLOSSIM_BINARY"]
        self.process = subprocess.Popen([binary, "serve", "--port", "0", *extra], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"colossim serve did not say where it serves: {line!r} {self.process.stderr.read()!r}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def request(self, path: str, body=None, raw: bytes | None = None, timeout: float = 60):
        """(status, parsed JSON or text) of GET path, or POST of body (JSON) / raw bytes."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method="GET" if data is None else "POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, text, kind = r.status, r.read().decode(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, text, kind = e.code, e.read().decode(), e.headers.get("Content-Type", "")
        return status, (json.loads(text) if kind.startswith("application/json") else text)

    def rss_kib(self, field: str = "VmRSS") -> int:
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self.process.stdout.close()
            self.process.stderr.close()
