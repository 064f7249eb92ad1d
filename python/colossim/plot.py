"""Charts of colossim's answers, each a matplotlib Figure (matplotlib is imported here only).

    import colossim, colossim.plot as cplot
    a = colossim.estimate("examples/llama3-405b.yaml")
    b = colossim.estimate("examples/llama3-405b.yaml", pp=8, vpp=1)
    cplot.breakdown(a, b, labels=["pp16 vpp4", "pp8"]).savefig("breakdown.png")

The figures draw what the result objects hold and nothing else: the same numbers as the
CLI's JSON.
"""

from __future__ import annotations

from typing import Optional, Sequence

# The CLI's order and names of the step's parts (Breakdown.items()).
_PART_COLOURS = {
    "compute": "#4878cf", "tp_comm": "#6acc65", "cp_comm": "#d65f5f", "ep_comm": "#b47cc7",
    "pp_comm": "#c4ad66", "dp_comm": "#77bedb", "bubble": "#bbbbbb", "optimizer": "#8c613c", "host": "#e8a33d",
}
# Trace categories (the event engine's Chrome trace "cat") in the timeline's colours.
_SPAN_COLOURS = {
    "forward": "#4878cf", "backward": "#d65f5f", "weight": "#e8a33d", "p2p": "#c4ad66",
    "dp": "#77bedb", "ep/cp": "#b47cc7",
}
_MEMORY_PARTS = [("weights_bytes", "weights"), ("gradients_bytes", "gradients"),
                 ("optimizer_bytes", "optimizer"), ("activations_bytes", "activations")]


def _pyplot():
    # Imported on first use, so that `import colossim` works without matplotlib; the
    # backend is whatever the session chose (a notebook's inline one, MPLBACKEND=Agg, ...).
    import matplotlib.pyplot as plt
    return plt


def _labels(items: Sequence, labels: Optional[Sequence[str]]) -> list[str]:
    if labels is not None:
        if len(labels) != len(items):
            raise ValueError(f"labels: {len(labels)} given for {len(items)} results")
        return list(labels)
    return [f"{e.model} {e.parallelism.tp}/{e.parallelism.pp}/{e.parallelism.dp}" for e in items]


def breakdown(*estimates, labels: Optional[Sequence[str]] = None, title: str = "where a step's time goes"):
    """Stacked bars of each estimate's step time by part (compute, TP/CP/EP/PP/DP
    communication exposed, pipeline bubble, optimizer, host wait), one bar a scenario."""
    if not estimates:
        raise ValueError("breakdown: give at least one estimate")
    plt = _pyplot()
    names = _labels(estimates, labels)
    fig, ax = plt.subplots(figsize=(8, 1.8 + 0.6 * len(estimates)))
    left = [0.0] * len(estimates)
    for part, colour in _PART_COLOURS.items():
        widths = [getattr(e.breakdown, part + "_s") for e in estimates]
        if not any(widths):
            continue
        ax.barh(names, widths, left=left, color=colour, label=part.replace("_", " "))
        left = [a + b for a, b in zip(left, widths)]
    ax.set_xlabel("seconds (critical pipeline stage)")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize="small", ncol=8, frameon=False)
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def memory(*estimates, labels: Optional[Sequence[str]] = None, title: str = "memory per GPU"):
    """Stacked bars of each estimate's memory per GPU (weights, gradients, optimizer state,
    activations) on its most loaded stage, with the GPU's capacity as a line."""
    if not estimates:
        raise ValueError("memory: give at least one estimate")
    plt = _pyplot()
    names = _labels(estimates, labels)
    fig, ax = plt.subplots(figsize=(3.0 + 1.2 * len(estimates), 4.5))
    bottom = [0.0] * len(estimates)
    for key, label in _MEMORY_PARTS:
        heights = [getattr(e.memory, key) / 1e9 for e in estimates]
        ax.bar(names, heights, bottom=bottom, label=label)
        bottom = [a + b for a, b in zip(bottom, heights)]
    for i, e in enumerate(estimates):
        cap = e.memory.capacity_bytes / 1e9
        ax.hlines(cap, i - 0.45, i + 0.45, colors="black", linestyles="dashed",
                  label="capacity" if i == 0 else None)
    ax.set_ylabel("GB per GPU")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def plans(plan, top: int = 10, title: Optional[str] = None):
    """The planner's best plans: step time (bars) and MFU (line) of the top `top`, best first."""
    rows = plan.plans[:top]
    if not rows:
        raise ValueError("plans: the plan has no plans")
    plt = _pyplot()
    names = [f"tp{p.parallelism.tp} pp{p.parallelism.pp} vpp{p.parallelism.vpp}\ncp{p.parallelism.cp} "
             f"ep{p.parallelism.ep} z{p.parallelism.zero} mb{p.parallelism.micro_batch}" for p in rows]
    fig, ax = plt.subplots(figsize=(1.5 + 0.9 * len(rows), 4.5))
    ax.bar(range(len(rows)), [p.step_time_s for p in rows], color="#4878cf")
    ax.set_xticks(range(len(rows)), names, fontsize="x-small")
    ax.set_ylabel("step time (s)")
    mfu = ax.twinx()
    mfu.plot(range(len(rows)), [100 * p.mfu for p in rows], color="#d65f5f", marker="o")
    mfu.set_ylabel("MFU (%)", color="#d65f5f")
    ax.set_title(title or f"best of {plan.evaluated} plans on {plan.gpus} GPUs ({plan.objective})")
    fig.tight_layout()
    return fig


def goodput(g, title: Optional[str] = None):
    """Time to train under failures: the failure-free work, the closed form's expectation and
    the Monte-Carlo percentiles (left); the Monte-Carlo trials' wall clock as a histogram
    (middle, when trials ran); failures a day by cause (right)."""
    plt = _pyplot()
    hist = (g.raw.get("wall_clock_s") or {}).get("histogram")
    if hist:
        fig, (ax, spread, causes) = plt.subplots(1, 3, figsize=(15, 4))
        edges = [e / 86400.0 for e in hist["edges"]]
        spread.bar(edges[:-1], hist["counts"], width=[b - a for a, b in zip(edges, edges[1:])], align="edge",
                   color="#77bedb", edgecolor="white")
        spread.axvline(g.wall_clock_expected_s / 86400.0, color="#4878cf", label="expected (closed form)")
        spread.set_xlabel("wall clock (days)")
        spread.set_ylabel(f"trials of {sum(hist['counts'])}")
        spread.legend(fontsize="x-small")
    else:
        fig, (ax, causes) = plt.subplots(1, 2, figsize=(11, 4))
    day = 86400.0
    bars = [("no failures", g.work_s / day), ("expected", g.wall_clock_expected_s / day)]
    wc = g.raw.get("wall_clock_s")
    if wc:
        bars += [("p50", wc["p50"] / day), ("p90", wc["p90"] / day), ("p99", wc["p99"] / day)]
    ax.bar([b[0] for b in bars], [b[1] for b in bars], color=["#6acc65", "#4878cf"] + ["#77bedb"] * (len(bars) - 2))
    ax.set_ylabel("days")
    ax.set_ylim(bottom=0.9 * min(b[1] for b in bars))
    ax.set_title(title or f"goodput {100 * g.goodput:.1f}% on {g.gpus} GPUs")
    rows = g.raw.get("causes", [])
    causes.barh([r["cause"] for r in rows], [r["per_day"] for r in rows], color="#d65f5f")
    causes.set_xlabel("failures a day")
    causes.invert_yaxis()
    fig.tight_layout()
    return fig


def fleet(f, title: Optional[str] = None):
    """A fleet run: allocated and out-of-service GPUs over time (left, the first
    replication), queued jobs (middle), GPU-hours lost by cause (right)."""
    plt = _pyplot()
    fig, (use, queue, lost) = plt.subplots(1, 3, figsize=(15, 4))
    series = f.timeseries_to_pandas()
    first = series[series["replication"] == 0]
    days = first["t_h"] / 24.0
    gpus = f.fleet.gpus
    use.plot(days, 100 * first["allocated_gpus"] / gpus, color="#4878cf", label="allocated")
    use.plot(days, 100 * first["down_gpus"] / gpus, color="#d65f5f", label="out of service")
    use.set_xlabel("day")
    use.set_ylabel("% of the fleet's GPUs")
    use.legend(fontsize="x-small")
    use.set_title(title or f"{gpus} GPUs of {f.fleet.cluster}: utilisation {100 * f.summary.utilisation:.1f}%")
    queue.plot(days, first["queued_jobs"], color="#6acc65")
    queue.set_xlabel("day")
    queue.set_ylabel("queued jobs")
    causes = f.causes_to_pandas().sort_values("gpu_hours_lost", ascending=False).head(10)
    lost.barh(causes["cause"], causes["gpu_hours_lost"], color="#d65f5f")
    lost.set_xlabel("GPU-hours lost (a replication)")
    lost.invert_yaxis()
    fig.tight_layout()
    return fig


def datacenter(d, title: Optional[str] = None):
    """IT power (MW) and capital cost (USD) by part of the datacenter behind a run."""
    plt = _pyplot()
    fig, (power, capex) = plt.subplots(1, 2, figsize=(11, 4))
    p = d.raw["it_power_by_part_mw"]
    power.bar(list(p), list(p.values()), color="#c4ad66")
    power.set_ylabel("MW (IT)")
    power.set_title(f"{d.facility_power_mw:.1f} MW at the facility (PUE {d.pue})")
    c = d.raw["capex_by_part_usd"]
    capex.bar(list(c), [v / 1e6 for v in c.values()], color="#4878cf")
    capex.set_ylabel("million USD")
    capex.set_title(f"capex ${d.capex_usd / 1e9:.2f}B")
    capex.tick_params(axis="x", labelrotation=20)
    fig.suptitle(title or f"{d.gpus} x {d.gpu} ({d.cluster})")
    fig.tight_layout()
    return fig


def timeline(sim, gpus: Optional[Sequence[int]] = None, title: Optional[str] = None):
    """The event engine's pipeline timeline: a row per GPU stream (compute, P2P, DP, EP/CP),
    a bar per span, coloured forward / backward / weight gradient / communication. Takes a
    ``colossim.simulate(..., trace=True)`` result; ``gpus`` picks GPUs by number (default:
    the first GPU of each pipeline stage)."""
    spans = sim.trace_events()
    if not spans:
        raise ValueError("timeline: the simulation has no trace (simulate(..., trace=True))")
    # Network traces name each span's GPU and its stage in the thread ("GPU 8 dp (stage 1)");
    # the schedule-only trace has a process per stage with compute and p2p threads.
    gpu_of = lambda e: e.get("args", {}).get("gpu")
    if gpus is None and any(gpu_of(e) is not None for e in spans):
        first = {}
        for e in spans:
            stage = e["thread"].rsplit("(stage ", 1)[-1] if "(stage " in e["thread"] else ""
            g = gpu_of(e)
            if g is not None:
                first[stage] = min(first.get(stage, g), g)
        gpus = sorted(set(first.values()))
    if gpus is not None:
        spans = [e for e in spans if gpu_of(e) in set(gpus)]
    row_of = lambda e: e["thread"] if gpu_of(e) is not None else f"{e['process']} {e['thread']}"
    order = lambda t: [int(x) if x.isdigit() else x for x in t.replace("(", " ").replace(")", " ").split()]
    rows = sorted({row_of(e) for e in spans}, key=order)
    if not rows:
        raise ValueError(f"timeline: no spans for GPUs {list(gpus or [])}")
    index = {r: i for i, r in enumerate(rows)}
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(12, 0.9 + 0.35 * len(rows)))
    by_row: dict = {}
    for e in spans:
        by_row.setdefault((index[row_of(e)], e.get("cat", "")), []).append((e["ts"] / 1e6, max(e["dur"], 1e-3) / 1e6))
    seen = set()
    for (y, cat), bars in sorted(by_row.items()):
        ax.broken_barh(bars, (y - 0.4, 0.8), facecolors=_SPAN_COLOURS.get(cat, "#999999"), edgecolor="white",
                       linewidth=0.3, label=None if cat in seen else cat)
        seen.add(cat)
    ax.set_yticks(range(len(rows)), rows, fontsize="x-small")
    ax.invert_yaxis()
    ax.set_xlabel("time in the step (s)")
    ax.legend(loc="upper right", fontsize="x-small", ncol=len(seen))
    ax.set_title(title or f"{sim.model} on {sim.gpus} GPUs: {sim.schedule} schedule, step {sim.step_time_s:.3g} s")
    fig.tight_layout()
    return fig


def links(sim, title: Optional[str] = None):
    """Link utilisation per tier of the network (NVLink, NIC, leaf, spine, ...): mean and
    peak over the step, of a ``colossim.simulate`` result on the network."""
    rows = sim.links
    if not rows:
        raise ValueError("links: the simulation ran without the network (contention=False)")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.5 + 1.2 * len(rows), 4))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [100 * r["mean_utilization"] for r in rows], width=0.4, label="mean", color="#4878cf")
    ax.bar([i + 0.2 for i in x], [100 * r["peak_utilization"] for r in rows], width=0.4, label="peak", color="#d65f5f")
    ax.set_xticks(list(x), [f"{r['level']}\n{r['links']} links" for r in rows], fontsize="small")
    ax.set_ylabel("utilisation (%)")
    ax.legend()
    ax.set_title(title or f"link utilisation, {sim.model} on {sim.gpus} GPUs ({sim.mode} mode)")
    fig.tight_layout()
    return fig


def pareto(sweep, y: str = "step_time_s", title: Optional[str] = None):
    """The sweep's best plans against their GPU count, a panel a model, a series a cluster,
    and the Pareto front (no other plan of the model with as few GPUs is better) as a
    line. ``y`` is a column of ``sweep.to_pandas()``: step_time_s, time_to_train_s,
    cost_usd, mfu (higher is better) or tokens_per_s (higher is better)."""
    table = sweep.to_pandas()
    if y not in table.columns:
        raise ValueError(f"pareto: y={y!r} is not a column of the sweep ({', '.join(table.columns)})")
    table = table.dropna(subset=[y])
    if table.empty:
        raise ValueError("pareto: no scenario of the sweep has a plan that fits")
    higher_is_better = y in ("mfu", "tokens_per_s", "hfu")
    plt = _pyplot()
    models = list(dict.fromkeys(table["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(4.5 * len(models), 4), squeeze=False)
    for ax, model in zip(axes[0], models):
        rows = table[table["model"] == model]
        for cluster, part in rows.groupby("cluster", sort=False):
            ax.plot(part["gpus"], part[y], marker="o", linestyle="none", label=cluster)
        front, best = [], None
        for _, r in rows.sort_values(["gpus", y], ascending=[True, not higher_is_better]).iterrows():
            better = best is None or (r[y] > best if higher_is_better else r[y] < best)
            if better:
                front.append((r["gpus"], r[y]))
                best = r[y]
        ax.plot([g for g, _ in front], [v for _, v in front], color="#444444", drawstyle="steps-post",
                linewidth=1, label="Pareto front")
        ax.set_xscale("log", base=2)
        if not higher_is_better:
            ax.set_yscale("log")
        ax.set_xlabel("GPUs")
        ax.set_ylabel(y)
        ax.set_title(model)
        ax.legend(fontsize="x-small")
    fig.suptitle(title or f"best plan per scenario: {y} against GPUs")
    fig.tight_layout()
    return fig
