"""The Python module as a notebook user calls it: the same numbers as the CLI, the same
errors, result objects that carry every field of the CLI's JSON."""

import dataclasses
import json
import os
import subprocess
import tempfile
import unittest
import warnings

import colossim

CLI = os.environ.get("COLOSSIM_BINARY", "colossim")
SOURCE = os.environ.get("COLOSSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FLAGSHIP = dict(model="llama3-405b", cluster="dgx-h100", gpus=16384, tp=8, pp=16, seq_len=8192, global_batch=2048,
                micro_batch=1)


def cli_json(*args):
    out = subprocess.run([CLI, *args, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def declared(cls):
    return {f.name for f in dataclasses.fields(cls)} - {"raw"}


class SameNumbersAsTheCli(unittest.TestCase):
    def test_issue_example_mfu_equals_cli(self):
        e = colossim.estimate(**FLAGSHIP)
        cli = cli_json("estimate", "--model", "llama3-405b", "--cluster", "dgx-h100", "--gpus", "16384", "--tp", "8",
                       "--pp", "16", "--seq-len", "8192", "--global-batch", "2048", "--micro-batch", "1")
        self.assertEqual(e.mfu, cli["mfu"])
        self.assertEqual(e.step_time_s, cli["step_time_s"])
        self.assertEqual(e.to_dict(), cli)

    def test_file_dict_and_flags_agree(self):
        path = os.path.join(SOURCE, "examples", "llama3-405b.yaml")
        from_file = colossim.estimate(path)
        self.assertEqual(from_file.to_dict(), cli_json("estimate", path))

    def test_plan_equals_cli(self):
        p = colossim.plan(model="llama3-8b", cluster="dgx-h100", gpus=64, global_batch=512, seq_len=8192, top=3)
        cli = cli_json("plan", "--model", "llama3-8b", "--cluster", "dgx-h100", "--gpus", "64", "--global-batch", "512",
                       "--seq-len", "8192", "--top", "3")
        self.assertEqual([x.step_time_s for x in p.plans], [x["step_time_s"] for x in cli["plans"]])
        self.assertEqual(p.evaluated, cli["evaluated"])

    def test_layer_ops_equal_cli(self):
        df = colossim.layer_ops(**FLAGSHIP)
        cli = cli_json("estimate", "--model", "llama3-405b", "--cluster", "dgx-h100", "--gpus", "16384", "--tp", "8",
                       "--pp", "16", "--seq-len", "8192", "--global-batch", "2048", "--micro-batch", "1",
                       "--ops")["layer_ops"]
        self.assertEqual(list(df.columns), list(cli[0].keys()))
        self.assertEqual(list(df["op"]), [o["op"] for o in cli])
        self.assertEqual([float(t) for t in df["time_s"]], [o["time_s"] for o in cli])
        self.assertIn("fc1", set(df["op"]))

    def test_validate_equals_cli(self):
        v = colossim.validate()
        cli = cli_json("validate")
        self.assertEqual(len(v.cases), len(cli["cases"]))
        self.assertEqual(v.all.mean_abs_error, cli["all"]["mean_abs_error"])


class Simulate(unittest.TestCase):
    ARGS = ["--model", "llama3-8b", "--cluster", "dgx-h100", "--gpus", "32", "--tp", "2", "--pp", "4",
            "--seq-len", "4096", "--global-batch", "16"]
    KW = dict(model="llama3-8b", cluster="dgx-h100", gpus=32, tp=2, pp=4, seq_len=4096, global_batch=16)

    def test_simulate_equals_cli(self):
        s = colossim.simulate(**self.KW)
        self.assertEqual(s.to_dict(), cli_json("simulate", *self.ARGS))
        self.assertEqual(s.mode, "full")
        self.assertGreater(len(s.links_to_pandas()), 0)
        self.assertEqual(len(s.stages_to_pandas()), 4)
        off = colossim.simulate(**self.KW, contention=False)
        self.assertEqual(off.to_dict(), cli_json("simulate", *self.ARGS, "--contention", "off"))
        self.assertFalse(off.contention)
        self.assertEqual(declared(colossim.Simulation) - {"trace"} >= set(s.to_dict()), True)

    def test_simulate_reports_progress(self):
        seen = []
        s = colossim.simulate(**self.KW, progress=seen.append)
        self.assertEqual(seen[-1], 1.0)
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(s.to_dict(), colossim.simulate(**self.KW).to_dict())

    def test_trace_is_the_clis_trace_file(self):
        s = colossim.simulate(**self.KW, mode="symmetric", trace=True)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.json")
            subprocess.run([CLI, "simulate", *self.ARGS, "--mode", "symmetric", "--trace", path], check=True,
                           capture_output=True)
            with open(path) as f:
                self.assertEqual(json.loads(s.trace), json.load(f))
        spans = s.trace_events()
        self.assertTrue(spans and all(e["dur"] >= 0 for e in spans))
        self.assertIn("forward", {e["cat"] for e in spans})

    def test_what_ifs_and_their_bad_input(self):
        base = colossim.simulate(**self.KW)
        slow = colossim.simulate(**self.KW, slow_gpu="1:1.5")
        self.assertGreater(slow.step_time_s, base.step_time_s)
        cases = [(dict(slow_gpu="4:1.2"), "--slow-gpu"), (dict(slow_nic=["99:0.5"]), "--slow-nic"),
                 (dict(lost_nic=[32]), "--lost-nic"), (dict(mode="fast"), "mode"),
                 (dict(contention=False, slow_nic="1:0.5"), "--contention"), (dict(lost_nic=["x"]), "lost_nic")]
        for kw, field in cases:
            with self.subTest(**{k: str(v) for k, v in kw.items()}):
                with self.assertRaises(colossim.InputError) as e:
                    colossim.simulate(**self.KW, **kw)
                self.assertEqual(e.exception.field, field)


class SweepAsTheCli(unittest.TestCase):
    def test_sweep_equals_cli(self):
        path = os.path.join(SOURCE, "examples", "sweep.yaml")
        seen = []
        sw = colossim.sweep(path, progress=seen.append)
        self.assertEqual(sw.to_dict(), subprocess.run([CLI, "sweep", path, "--json"], check=True, capture_output=True,
                                                      text=True).stdout and cli_json("sweep", path))
        self.assertEqual(len(sw.to_pandas()), 8)
        self.assertEqual(seen[-1], 1.0)
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(sw.best[0].step_time_s, sw.to_dict()[0]["best"]["step_time_s"])

    def test_a_dict_grid_and_its_bad_input(self):
        grid = dict(models=["llama3-8b"], clusters=["dgx-h100"], gpus=[64], training=dict(seq_len=8192, global_batch=512))
        self.assertEqual(colossim.sweep(grid).entries[0].gpus, 64)
        with self.assertRaises(colossim.InputError) as e:
            colossim.sweep(dict(grid, gpus=[0]))
        self.assertIn("gpus", e.exception.field)
        with self.assertRaises(colossim.InputError):
            colossim.sweep(42)


class GoodputAndDatacenter(unittest.TestCase):
    def test_goodput_equals_cli(self):
        path = os.path.join(SOURCE, "examples", "llama3-405b.yaml")
        g = colossim.goodput(path, duration="54d", trials=500, restart_time="20min")
        cli = cli_json("goodput", path, "--duration", "54d", "--trials", "500", "--restart-time", "20min")
        self.assertEqual(g.to_dict(), cli)
        self.assertEqual(g.goodput, cli["goodput"])
        self.assertEqual(g.wall_clock_s.p90, cli["wall_clock_s"]["p90"])
        self.assertEqual(len(g.causes_to_pandas()), len(cli["causes"]))
        self.assertEqual(g.wall_clock_to_pandas()["trials"].sum(), 500)
        kept = colossim.goodput(path, duration="54d", trials=500, restart_time="20min", samples=True)
        cli = cli_json("goodput", path, "--duration", "54d", "--trials", "500", "--restart-time", "20min", "--samples")
        self.assertEqual(kept.to_dict(), cli)
        table = kept.samples_to_pandas()
        self.assertEqual(len(table), 500)
        self.assertAlmostEqual(table["wall_clock_s"].mean(), g.wall_clock_s.mean, delta=1e-6 * g.wall_clock_s.mean)
        self.assertEqual(len(g.samples_to_pandas()), 0)

    def test_goodput_reports_monte_carlo_progress(self):
        path = os.path.join(SOURCE, "examples", "llama3-405b.yaml")
        seen = []
        g = colossim.goodput(path, duration="54d", trials=3000, progress=seen.append)
        self.assertEqual(seen[-1], 1.0)
        self.assertEqual(seen, sorted(seen))
        self.assertGreater(len(seen), 5)
        self.assertEqual(g.to_dict(), colossim.goodput(path, duration="54d", trials=3000).to_dict())

        def stop(fraction):
            if fraction > 0.5:
                raise KeyboardInterrupt("stop")
        with self.assertRaises(KeyboardInterrupt):
            colossim.goodput(path, duration="54d", trials=3000, progress=stop)

    def test_collective_equals_cli(self):
        c = colossim.collective("all-reduce", "dgx-h100", 64, "1MiB..4MiB")
        cli = cli_json("collective", "all-reduce", "--cluster", "dgx-h100", "--gpus", "64", "--size", "1MiB..4MiB")
        self.assertEqual(c.to_dict(), cli)
        self.assertEqual(len(c.runs), 3)
        self.assertEqual(c.runs[0].algorithm, cli[0]["algorithm"])
        self.assertEqual(list(c.to_pandas()["size_bytes"]), [r["size_bytes"] for r in cli])
        with self.assertRaises(colossim.InputError) as e:
            colossim.collective("all-mean", "dgx-h100", 8)
        self.assertEqual(e.exception.field, "kind")
        with self.assertRaises(colossim.InputError):
            colossim.collective("all-reduce", "dgx-h100", 8, slow_nic="9:0.5")

    def test_compare_equals_cli(self):
        a = os.path.join(SOURCE, "examples", "llama3-405b.yaml")
        b = os.path.join(SOURCE, "examples", "llama3-405b-pp8.yaml")
        c = colossim.compare(a, b, gpus=8192)
        cli = cli_json("compare", a, b, "--gpus", "8192")
        self.assertEqual(c.to_dict(), cli)
        self.assertEqual(c.scenarios, ["llama3-405b", "llama3-405b-pp8"])
        df = c.to_pandas()
        step = df.loc[("step", "step time")]
        self.assertEqual(step["llama3-405b"], colossim.estimate(a, gpus=8192).step_time_s)
        self.assertTrue(step["differs"])
        self.assertFalse(df.loc[("scenario", "model")]["differs"])
        with self.assertRaises(colossim.InputError) as e:
            colossim.compare(a)
        self.assertEqual(e.exception.field, "scenarios")

    def test_datacenter_equals_cli(self):
        d = colossim.datacenter(cluster="colossus", gpus=100000, duration="90d", price_gpu=30000)
        cli = cli_json("datacenter", "--cluster", "colossus", "--gpus", "100000", "--duration", "90d",
                       "--price-gpu", "30000")
        self.assertEqual(d.to_dict(), cli)
        self.assertEqual(d.capex_by_part_usd.gpus, cli["capex_by_part_usd"]["gpus"])
        with self.assertRaises(AttributeError):
            d.no_such_field

    def test_their_bad_input(self):
        with self.assertRaises(colossim.InputError) as ctx:
            colossim.goodput(os.path.join(SOURCE, "examples", "llama3-405b.yaml"), duration="54")
        self.assertEqual(ctx.exception.field, "duration")
        with self.assertRaises(colossim.InputError):
            colossim.datacenter(cluster="dgx-h100", gpus=1024, tp=8)  # not a datacenter argument
        with self.assertRaises(colossim.InputError):
            colossim.datacenter(cluster="no-such-cluster", gpus=8)
        # The hostile inputs of the CLI's tests, through the new calls: a FIFO or device as
        # the scenario, an absurd count, an empty file, an absurd duration.
        fifo = os.path.join(tempfile.mkdtemp(), "fifo")
        os.mkfifo(fifo)
        empty = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        empty.close()
        try:
            for scenario in (fifo, "/dev/zero", empty.name):
                with self.subTest(scenario=scenario), self.assertRaises(colossim.InputError):
                    colossim.goodput(scenario, duration="54d")
            with self.assertRaises(colossim.InputError):
                colossim.datacenter(cluster="dgx-h100", gpus=1e308)
            with self.assertRaises(colossim.InputError):
                colossim.goodput(os.path.join(SOURCE, "examples", "llama3-405b.yaml"), duration="1e308d")
        finally:
            os.unlink(fifo)
            os.unlink(empty.name)


class FleetAsTheCli(unittest.TestCase):
    SCENARIO = {"cluster": "dgx-h100", "gpus": 1024, "days": 4,
                "generator": {"mix": "acme-kalos", "jobs": 5000, "load": 0.6},
                "jobs": [{"name": "big", "gpus": 512, "duration": "2d", "priority": 2}]}

    def test_fleet_equals_cli(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(self.SCENARIO, f)
        try:
            cli = cli_json("fleet", f.name, "--replications", "2", "--placement", "scattered")
            py = colossim.fleet(f.name, replications=2, placement="scattered", jobs=True)
            self.assertEqual(py.to_dict(), cli)
            self.assertEqual(colossim.fleet(self.SCENARIO, replications=2, placement="scattered").summary.utilisation,
                             cli["summary"]["utilisation"])
        finally:
            os.unlink(f.name)
        self.assertEqual(len(py.sizes_to_pandas()), len(cli["summary"]["sizes"]))
        jobs = py.jobs_to_pandas()
        self.assertEqual(len(jobs), sum(r["jobs"] for r in cli["replications"]))
        self.assertIn("ettr", jobs.columns)
        series = py.timeseries_to_pandas()
        self.assertEqual(set(series["replication"]), {0, 1})
        self.assertGreater(series["allocated_gpus"].max(), 0)
        self.assertIn("faulty_gpu", set(py.causes_to_pandas()["cause"]))

    def test_fleet_refuses_unknown_options(self):
        with self.assertRaises(colossim.InputError):
            colossim.fleet(self.SCENARIO, polcy="fifo")
        with self.assertRaises(colossim.InputError):
            colossim.fleet(self.SCENARIO, policy="lifo")


class ResultObjects(unittest.TestCase):
    def test_every_json_field_is_an_attribute(self):
        e = colossim.estimate(**FLAGSHIP, tokens="15.6T")
        self.assertEqual(set(e.to_dict()), declared(colossim.Estimate))
        self.assertEqual(set(e.to_dict()["parallelism"]), declared(colossim.Parallelism))
        self.assertEqual(set(e.to_dict()["breakdown"]), declared(colossim.Breakdown))
        self.assertEqual(set(e.to_dict()["memory"]), declared(colossim.Memory))
        self.assertGreater(e.time_to_train_s, 0)
        self.assertEqual(e.parallelism.tp, 8)
        p = colossim.plan(model="llama3-8b", cluster="dgx-h100", gpus=64, global_batch=512, seq_len=8192, top=2,
                          refine=1)
        self.assertEqual(set(p.to_dict()), declared(colossim.Plan) - {"warnings"})
        self.assertEqual(p.refined_by_event_engine, 1)
        v = colossim.validate()
        self.assertEqual(set(v.to_dict()), declared(colossim.Validation))
        self.assertEqual(set(v.to_dict()["cases"][0]), declared(colossim.ValidationCase))

    def test_tables_as_dataframes(self):
        try:
            import pandas  # noqa: F401
        except ImportError:
            self.skipTest("python3-pandas not installed")
        p = colossim.plan(model="llama3-8b", cluster="dgx-h100", gpus=64, global_batch=512, seq_len=8192, top=4)
        df = p.to_pandas()
        self.assertEqual(len(df), 4)
        self.assertEqual(list(df["step_time_s"]), [x.step_time_s for x in p.plans])
        v = colossim.validate().to_pandas()
        self.assertIn("error", v.columns)
        self.assertGreater(len(v), 60)

    def test_dict_scenario_equals_flags(self):
        d = {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 64,
             "parallelism": {"tp": 2, "pp": 1, "zero": 1},
             "training": {"seq_len": 8192, "global_batch": 512, "micro_batch": 1}}
        a = colossim.estimate(d)
        b = colossim.estimate(model="llama3-8b", cluster="dgx-h100", gpus=64, tp=2, pp=1, zero=1, seq_len=8192,
                              global_batch=512, micro_batch=1)
        self.assertEqual(a.step_time_s, b.step_time_s)
        c = colossim.estimate(d, tp=4)  # keyword arguments override the dict
        self.assertEqual(c.parallelism.tp, 4)

    def test_catalog(self):
        self.assertIn("llama3-405b", colossim.catalog("models"))
        self.assertIn("h100-sxm", colossim.catalog("gpus"))
        self.assertIn("405", colossim.show("model", "llama3-405b"))


class BadInput(unittest.TestCase):
    def test_same_message_as_cli(self):
        with self.assertRaises(colossim.InputError) as ctx:
            colossim.estimate(**{**FLAGSHIP, "tp": 7})
        cli = subprocess.run([CLI, "estimate", "--model", "llama3-405b", "--cluster", "dgx-h100", "--gpus", "16384",
                              "--tp", "7", "--pp", "16", "--seq-len", "8192", "--global-batch", "2048",
                              "--micro-batch", "1"], capture_output=True, text=True)
        self.assertEqual(cli.returncode, 2)
        self.assertIn(str(ctx.exception), cli.stderr)
        e = ctx.exception
        self.assertEqual(str(e), f"{e.field} = {e.value}: {e.valid}")
        self.assertEqual(e.field, "gpus")  # 16384 is not a multiple of tp x pp = 112

    def test_unknown_argument_names_the_closest(self):
        with self.assertRaises(colossim.InputError) as ctx:
            colossim.estimate(model="llama3-8b", seq_lenght=8192)
        self.assertEqual(ctx.exception.field, "seq_lenght")
        self.assertIn("seq_len", ctx.exception.valid)

    def test_hostile_values_raise_not_crash(self):
        for kwargs in ({"gpus": "1e400"}, {"seq_len": -1}, {"tp": [1, 2]}, {"model": "/dev/zero"},
                       {"model": "no-such-model"}):
            with self.subTest(kwargs=kwargs), self.assertRaises(colossim.InputError):
                colossim.estimate(**{**FLAGSHIP, **kwargs})
        with self.assertRaises(colossim.InputError):
            colossim.estimate(42)
        with self.assertRaises(colossim.InputError):
            colossim.estimate("/dev/zero")
        with self.assertRaises(colossim.InputError):
            colossim.plan(model="llama3-8b", top=0)
        with self.assertRaises(colossim.InputError):
            colossim.validate(engine="quantum")

    def test_warnings_are_python_warnings(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("model: llama3-8b\ncluster: dgx-h100\ngpus: 8\nno_such_key: 1\n"
                    "training: {seq_len: 4096, global_batch: 8, micro_batch: 1}\n")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                e = colossim.estimate(f.name)
            self.assertTrue(any(issubclass(w.category, colossim.ColossimWarning) for w in caught))
            self.assertTrue(e.warnings)
        finally:
            os.unlink(f.name)


class MegatronNames(unittest.TestCase):
    def test_megatron_keywords_are_aliases(self):
        ours = colossim.estimate(**FLAGSHIP)
        theirs = colossim.estimate(model="llama3-405b", cluster="dgx-h100", gpus=16384, tensor_model_parallel_size=8,
                                   pipeline_model_parallel_size=16, seq_length="8k", global_batch_size=2048,
                                   micro_batch_size=1)
        self.assertEqual(ours.to_dict(), theirs.to_dict())


class Progress(unittest.TestCase):
    def test_plan_reports_progress_and_passes_errors_back(self):
        seen = []
        colossim.plan(model="llama3-70b", cluster="dgx-h100", gpus=1024, global_batch=1024, seq_len=8192,
                      progress=seen.append)
        self.assertTrue(seen)
        self.assertTrue(all(0 <= f <= 1 for f in seen))

        def stop(_fraction):
            raise KeyboardInterrupt("stop")

        with self.assertRaises(KeyboardInterrupt):
            colossim.plan(model="llama3-70b", cluster="dgx-h100", gpus=1024, global_batch=1024, seq_len=8192,
                          progress=stop)


if __name__ == "__main__":
    unittest.main()
