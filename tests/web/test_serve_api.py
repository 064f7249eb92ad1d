"""`colossim serve` as a client sees it over loopback: each endpoint, each class of bad
request (HTTP 400/404/405/413 with the CLI's message), the same numbers as the CLI, and a
clean stop on SIGTERM."""

import json
import os
import subprocess
import tempfile
import unittest

from serve_process import Served

LLAMA = {"flags": {"model": "llama3-70b", "cluster": "dgx-h100", "gpus": 64, "tp": 8, "pp": 2,
                   "global_batch": 64, "seq_len": "8k"}}


class ServeApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.served = Served()

    @classmethod
    def tearDownClass(cls):
        code = cls.served.stop()
        if code != 0:
            raise AssertionError(f"colossim serve exited {code} on SIGTERM, not 0")

    def test_estimate_is_the_cli_json(self):
        status, j = self.served.request("/api/estimate", LLAMA)
        self.assertEqual(status, 200)
        cli = subprocess.run([os.environ["COLOSSIM_BINARY"], "estimate", "--model", "llama3-70b", "--cluster", "dgx-h100",
                              "--gpus", "64", "--tp", "8", "--pp", "2", "--global-batch", "64", "--seq-len", "8k", "--json"],
                             capture_output=True, text=True, check=True)
        self.assertEqual(j, json.loads(cli.stdout))

    def test_every_endpoint_answers(self):
        plan = {"flags": {k: v for k, v in LLAMA["flags"].items() if k not in ("tp", "pp")}, "top": 3}
        other = {"flags": dict(LLAMA["flags"], pp=4), "label": "pp4"}
        calls = [
            ("/api/version", None, lambda j: self.assertIn("colossim", j)),
            ("/api/catalog", None, lambda j: self.assertIn("llama3-405b", j["models"])),
            ("/api/show?kind=gpu&name=h100-sxm", None, lambda j: self.assertIn("h100", j["text"])),
            ("/api/plan", plan, lambda j: self.assertEqual(len(j["plans"]), 3)),
            ("/api/explain", LLAMA, lambda j: self.assertTrue(j["text"])),
            ("/api/compare", {"scenarios": [LLAMA, other]}, lambda j: self.assertEqual(j["scenarios"], ["scenario 1", "pp4"])),
            ("/api/goodput", dict(LLAMA, flags=dict(LLAMA["flags"], tokens="1T"), options={"trials": 200}),
             lambda j: self.assertLess(j["goodput"], 1.0)),
            ("/api/datacenter", {"options": {"cluster": "dgx-h100", "gpus": 1024}}, lambda j: self.assertEqual(j["nodes"], 128)),
            ("/api/collective", {"cluster": "dgx-h100", "gpus": 16, "size": "1MiB..4MiB"}, lambda j: self.assertEqual(len(j), 3)),
            ("/api/validate", None, lambda j: self.assertGreater(j["all"]["cases"], 100)),
        ]
        for path, body, check in calls:
            with self.subTest(path=path):
                status, j = self.served.request(path, body)
                self.assertEqual(status, 200, j)
                check(j)

    def test_bad_requests(self):
        cases = [
            ("/api/estimate", b"{not json", 400, "body"),
            ("/api/estimate", json.dumps({"flags": {"tpp": 8}}).encode(), 400, "flags.tpp"),
            ("/api/estimate", json.dumps({"flags": dict(LLAMA["flags"], model="/etc/passwd")}).encode(), 400, "model"),
            ("/api/plan", json.dumps({"flags": dict(LLAMA["flags"], gpus=10**7)}).encode(), 400, "gpus"),
            ("/api/estimate", b"[" * 100000, 400, "body"),
            ("/api/nothing", b"{}", 404, None),
            ("/api/estimate", b" " * (2 << 20), 413, None),
        ]
        for path, raw, status, field in cases:
            with self.subTest(path=path, body=raw[:40]):
                got, j = self.served.request(path, raw=raw)
                self.assertEqual(got, status, j)
                if field:
                    self.assertEqual(j["field"], field)
                    self.assertIn(field.split(".")[-1], j["error"])
        status, _ = self.served.request("/api/estimate")  # GET of a POST endpoint
        self.assertEqual(status, 405)

    def test_page_and_chart_js(self):
        status, page = self.served.request("/")
        self.assertEqual(status, 200)
        self.assertIn("/api/estimate", page)
        status, script = self.served.request("/chart.js")
        self.assertEqual(status, 200)
        self.assertIn("Chart.js", script[:200])


class ServeFlags(unittest.TestCase):
    """Hostile values for serve's own flags: each is exit 2 naming the flag, at once (a run
    that served instead would hit the timeout and fail)."""

    def test_hostile_flags_are_exit_2(self):
        with tempfile.TemporaryDirectory() as folder:
            fifo, empty = os.path.join(folder, "fifo"), os.path.join(folder, "empty.js")
            os.mkfifo(fifo)
            open(empty, "w").close()
            cases = [
                (["--chart-js", "/dev/zero"], "--chart-js"),
                (["--chart-js", fifo], "--chart-js"),
                (["--chart-js", folder], "--chart-js"),
                (["--chart-js", empty], "--chart-js"),
                (["--port", "1e308"], "--port"),
                (["--port", "70000"], "--port"),
                (["--port", "-1"], "--port"),
                (["--threads", "0"], "--threads"),
                (["--host", "203.0.113.7"], "--host"),  # TEST-NET-3: no address of this machine
            ]
            for args, flag in cases:
                with self.subTest(args=args):
                    r = subprocess.run([os.environ["COLOSSIM_BINARY"], "serve", *args], capture_output=True, text=True,
                                       timeout=20)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(flag, r.stderr)


if __name__ == "__main__":
    unittest.main()
