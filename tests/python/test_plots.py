"""The example tour (examples/python_tour.py, the notebook's cells as a script) runs headless
and every figure it draws holds data."""

import os
import pathlib
import sys
import tempfile
import unittest

os.environ.setdefault("MPLBACKEND", "Agg")
try:
    import matplotlib  # noqa: F401
except ImportError:  # pragma: no cover
    matplotlib = None

SOURCE = pathlib.Path(os.environ.get("COLOSSIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@unittest.skipIf(matplotlib is None, "python3-matplotlib not installed")
class Tour(unittest.TestCase):
    def test_every_figure_is_drawn_with_data(self):
        sys.path.insert(0, str(SOURCE / "examples"))
        import python_tour
        with tempfile.TemporaryDirectory() as out:
            figures = python_tour.tour(pathlib.Path(out))
            self.assertEqual(set(figures), {"breakdown", "memory", "plans", "goodput", "datacenter", "timeline", "links", "pareto"})
            for name, fig in figures.items():
                with self.subTest(figure=name):
                    self.assertTrue((pathlib.Path(out) / f"{name}.png").stat().st_size > 5000)
                    drawn = sum(len(ax.patches) + len(ax.lines) + len(ax.collections) for ax in fig.axes)
                    self.assertGreater(drawn, 2)
                    heights = [p.get_height() if p.get_width() < 1e9 else 0 for ax in fig.axes for p in ax.patches]
                    widths = [p.get_width() for ax in fig.axes for p in ax.patches]
                    bars = sum(len(c.get_paths()) for ax in fig.axes for c in ax.collections)  # broken_barh
                    points = sum(len(line.get_xdata()) for ax in fig.axes for line in ax.lines)  # markers, fronts
                    self.assertGreater(max(heights + widths + [bars, points]), 0)

    def test_timeline_draws_every_span_of_the_gpus_it_shows(self):
        import colossim
        import colossim.plot as cplot
        s = colossim.simulate(model="llama3-8b", cluster="dgx-h100", gpus=32, tp=2, pp=4, seq_len=4096, global_batch=16,
                              trace=True)
        shown = [e for e in s.trace_events() if e["args"].get("gpu") in (0, 8, 16, 24)]
        fig = cplot.timeline(s)
        bars = sum(len(c.get_paths()) for c in fig.axes[0].collections)
        self.assertEqual(bars, len(shown))
        self.assertEqual(len(fig.axes[0].get_yticks()), len({e["thread"] for e in shown}))
        with self.assertRaises(ValueError):
            cplot.timeline(colossim.simulate(model="llama3-8b", cluster="dgx-h100", gpus=8, seq_len=4096, global_batch=8))

    def test_pareto_front_keeps_only_plans_no_smaller_one_beats(self):
        import colossim
        import colossim.plot as cplot
        sw = colossim.sweep(str(SOURCE / "examples" / "sweep.yaml"))
        fig = cplot.pareto(sw, y="step_time_s")
        table = sw.to_pandas()
        for ax in fig.axes:
            rows = table[table["model"] == ax.get_title()]
            front = [line for line in ax.lines if line.get_label() == "Pareto front"][0]
            xs, ys = list(front.get_xdata()), list(front.get_ydata())
            self.assertEqual(ys, sorted(ys, reverse=True))  # each point beats every smaller one
            for g, t in zip(xs, ys):
                self.assertEqual(t, rows[rows["gpus"] <= g]["step_time_s"].min())
        with self.assertRaises(ValueError):
            cplot.pareto(sw, y="speed")

    def test_goodput_histogram_holds_every_trial(self):
        import colossim
        import colossim.plot as cplot
        g = colossim.goodput(str(SOURCE / "examples" / "llama3-405b.yaml"), duration="54d", trials=700)
        hist = g.wall_clock_s.histogram
        self.assertEqual(sum(hist.counts), 700)
        self.assertEqual(len(hist.edges), len(hist.counts) + 1)
        self.assertLessEqual(hist.edges[0], g.wall_clock_s.p50)
        self.assertGreaterEqual(hist.edges[-1], g.wall_clock_s.p99)
        fig = cplot.goodput(g)
        self.assertEqual(sum(p.get_height() for p in fig.axes[1].patches), 700)

    def test_fleet_plot_draws_the_time_series(self):
        import colossim
        import colossim.plot as cplot
        f = colossim.fleet({"cluster": "dgx-h100", "gpus": 512, "days": 3,
                            "generator": {"mix": "philly", "jobs": 3000, "load": 0.7}})
        fig = cplot.fleet(f)
        series = f.timeseries_to_pandas()
        self.assertEqual(len(fig.axes[0].lines[0].get_xdata()), len(series[series["replication"] == 0]))
        self.assertLessEqual(max(fig.axes[0].lines[0].get_ydata()), 100.0)

    def test_breakdown_bars_are_the_estimates_parts(self):
        import colossim
        import colossim.plot as cplot
        e = colossim.estimate(str(SOURCE / "examples" / "llama3-405b.yaml"))
        fig = cplot.breakdown(e, labels=["flagship"])
        total = sum(p.get_width() for p in fig.axes[0].patches)
        self.assertAlmostEqual(total, sum(v for _, v in e.breakdown.items()), places=9)


if __name__ == "__main__":
    unittest.main()
