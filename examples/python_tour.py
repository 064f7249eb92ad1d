#!/usr/bin/env python3
"""colossim from Python: the README's flagship run, its plans, its failures and its
datacenter, with a chart of each (the same cells as examples/python_tour.ipynb).

    PYTHONPATH=build/python python3 examples/python_tour.py [OUTPUT_DIR]

writes breakdown.png, memory.png, plans.png, goodput.png and datacenter.png to OUTPUT_DIR
(default: build/python-tour)."""

import os
import pathlib
import sys

import matplotlib

matplotlib.use(os.environ.get("MPLBACKEND", "Agg"))

import colossim  # noqa: E402
import colossim.plot as cplot  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


def tour(out: pathlib.Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    flagship = str(HERE / "llama3-405b.yaml")

    # 1. The Llama 3 405B run as Meta trained it, and two what-ifs.
    meta = colossim.estimate(flagship)
    no_interleave = colossim.estimate(flagship, vpp=1)
    fp8 = colossim.estimate(flagship, precision="fp8")
    print(meta)
    labels = ["Meta's plan (vpp 4)", "no interleaving", "FP8"]
    figures = {
        "breakdown": cplot.breakdown(meta, no_interleave, fp8, labels=labels),
        "memory": cplot.memory(meta, no_interleave, fp8, labels=labels),
    }

    # 2. The planner's best plans for Llama 3 70B on 1,024 H100.
    best = colossim.plan(model="llama3-70b", cluster="dgx-h100", gpus=1024, seq_len=8192, global_batch=1024)
    print(best.to_pandas().head(5)[["tp", "pp", "vpp", "dp", "cp", "zero", "micro_batch", "step_time_s", "mfu"]])
    figures["plans"] = cplot.plans(best)

    # 3. Failures over the 54 days of training, and 4. the datacenter behind it.
    g = colossim.goodput(flagship, duration="54d", trials=2000)
    print(g)
    figures["goodput"] = cplot.goodput(g)
    d = colossim.datacenter(cluster="dgx-h100", gpus=16384, duration="54d")
    print(d)
    figures["datacenter"] = cplot.datacenter(d)

    # 5. One step of Llama 3 8B on 64 H100 event by event on the network: the pipeline
    #    timeline (one GPU a stage) and the links' utilisation per tier.
    step = colossim.simulate(model="llama3-8b", cluster="dgx-h100", gpus=64, tp=2, pp=4, seq_len=8192,
                             global_batch=64, micro_batch=1, trace=True)
    print(step)
    print(step.links_to_pandas())
    figures["timeline"] = cplot.timeline(step)
    figures["links"] = cplot.links(step)

    # 6. A sweep: the best plan of two models on two clusters at two sizes, and the Pareto
    #    front of time to train against GPUs.
    sweep = colossim.sweep(str(HERE / "sweep.yaml"))
    print(sweep.to_pandas()[["model", "cluster", "gpus", "tp", "pp", "dp", "step_time_s", "mfu", "time_to_train_s"]])
    figures["pareto"] = cplot.pareto(sweep, y="time_to_train_s")

    for name, fig in figures.items():
        fig.savefig(out / f"{name}.png", dpi=100)
    return figures


if __name__ == "__main__":
    tour(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "build" / "python-tour")
