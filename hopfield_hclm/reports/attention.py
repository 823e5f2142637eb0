"""Report of the attention experiment: the pre-registered §9.6 criterion, tables and figures.

``hopfield-hclm report attention`` reads ``data/attention.nc`` (the sweep of
``experiments/attention/config.toml``, exported through :func:`~hopfield_hclm.attention.sweep_kind.export_filter`)
and writes ``experiments/attention/REPORT.md`` and its figures.  The verdicts come from
:func:`evaluate_criterion`, which implements ``experiments/attention/CRITERION.md`` (committed before the
sweep was run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..attention.sweep_kind import export_filter
from ..core.windows import at_first, at_last, between, first_label
from .builder import EXPORT_FILTERS, TITLES, markdown_table, register
from .claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Interval, mean_interval

__all__ = ["CriterionResult", "PointVerdict", "evaluate_criterion", "held_out_gap", "reading_verdict"]

#: minimum effect on the readout overlap for H1 (CRITERION.md)
DELTA = 0.02
#: H2: the fraction of correct answers from non-retrieval head steps must exceed this
FRACTION = 0.5
TRAIN_MAX_PAIRS = 8

EXPORT_FILTERS["attention"] = export_filter
# the title of the first part's sweep (config.toml); config.absolute.toml sorts before it
TITLES["attention"] = ("Attention in a trained recall transformer: per-layer readout and heads as "
                       "modern-Hopfield steps")


@dataclass(frozen=True)
class PointVerdict:
    """Both readings at one (shift, pairs) point: the intervals behind them and the verdicts."""

    shift: str
    pairs: int
    counted: bool
    gap: Interval
    best_probe_accuracy: Interval
    h1: str
    nonretrieval: Interval
    accuracy: Interval
    h2: str


@dataclass(frozen=True)
class CriterionResult:
    points: tuple[PointVerdict, ...]
    h1: str
    h2: str
    hypothesis: str
    chance: float
    models: int


def held_out_gap(overlap_half: np.ndarray) -> np.ndarray:
    """G per model from ``overlap_half`` ``(trial, half, time)`` (time 0 = embedding, excluded from the argmax).

    G = ½[(m_B(l*_A) − m_B(L)) + (m_A(l*_B) − m_A(L))], l*_X = argmax_{l ≥ 1} m_X(l).
    """
    m = np.asarray(overlap_half, dtype=np.float64)
    if m.ndim != 3 or m.shape[1] != 2 or m.shape[2] < 2:
        raise ValueError(f"overlap_half must have shape (trial, 2, time >= 2); got {m.shape}")
    best = 1 + np.argmax(m[:, :, 1:], axis=-1)                     # (trial, half)
    a, b = m[:, 0], m[:, 1]
    rows = np.arange(m.shape[0])
    g_b = b[rows, best[:, 0]] - b[:, -1]
    g_a = a[rows, best[:, 1]] - a[:, -1]
    return 0.5 * (g_a + g_b)


def _h1(gap: Interval, acc: Interval, chance: float) -> str:
    if not acc.low > chance or gap.high < DELTA:
        return NOT_SUPPORTED
    if gap.low > 0 and gap.estimate >= DELTA:
        return SUPPORTED
    return INCONCLUSIVE


def _h2(frac: Interval, acc: Interval, chance: float) -> str:
    if not acc.low > chance or frac.high < FRACTION:
        return NOT_SUPPORTED
    if frac.low > FRACTION:
        return SUPPORTED
    return INCONCLUSIVE


def reading_verdict(verdicts) -> str:
    """Grid rule of CRITERION.md: supported at a strict majority -> supported; not supported at half or more ->
    not supported; otherwise inconclusive."""
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("verdicts must hold at least one point verdict")
    n = len(verdicts)
    if 2 * sum(v == SUPPORTED for v in verdicts) > n:
        return SUPPORTED
    if 2 * sum(v == NOT_SUPPORTED for v in verdicts) >= n:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def _counted(shift: str, pairs: int) -> bool:
    return shift != "none" or pairs > TRAIN_MAX_PAIRS


def evaluate_criterion(ds: xr.Dataset) -> CriterionResult:
    """The verdicts of CRITERION.md from the exported Dataset (dims shift, pairs, trial, ...)."""
    for name in ("overlap_half", "probe_accuracy", "model_accuracy", "correct_nonretrieval_fraction"):
        if name not in ds:
            raise ValueError(f"ds must contain {name!r} (an attention sweep); it has {sorted(map(str, ds.data_vars))}")
    chance = 1.0 / _values(ds)
    points = []
    for shift in ds["shift"].values.tolist():
        for pairs in ds["pairs"].values.tolist():
            p = ds.sel(shift=shift, pairs=pairs)
            gap = mean_interval(held_out_gap(p["overlap_half"].transpose("trial", "half", "time").values))
            after_embedding = between(p["overlap"].mean("trial"), "time", start=first_label(p, "time") + 1)
            best = after_embedding["time"].values[int(np.argmax(after_embedding.values))]
            best_acc = mean_interval(p["probe_accuracy"].sel(time=best).values)
            acc = mean_interval(p["model_accuracy"].values)
            frac = mean_interval(p["correct_nonretrieval_fraction"].values)
            points.append(PointVerdict(shift=str(shift), pairs=int(pairs), counted=_counted(str(shift), int(pairs)),
                                       gap=gap, best_probe_accuracy=best_acc, h1=_h1(gap, best_acc, chance),
                                       nonretrieval=frac, accuracy=acc, h2=_h2(frac, acc, chance)))
    counted = [p for p in points if p.counted]
    h1 = reading_verdict(p.h1 for p in counted)
    h2 = reading_verdict(p.h2 for p in counted)
    if SUPPORTED in (h1, h2):
        hypothesis = SUPPORTED
    elif h1 == NOT_SUPPORTED and h2 == NOT_SUPPORTED:
        hypothesis = NOT_SUPPORTED
    else:
        hypothesis = INCONCLUSIVE
    return CriterionResult(points=tuple(points), h1=h1, h2=h2, hypothesis=hypothesis, chance=chance,
                           models=int(ds.sizes["trial"]))


def _steps_per_epoch(ds: xr.Dataset) -> int:
    import json

    base = json.loads(ds.attrs["config"])["base"]
    return int(base.get("steps", 1500)) // int(base.get("epochs", 15))


def _values(ds: xr.Dataset) -> int:
    import json

    return int(json.loads(ds.attrs["config"])["base"].get("values", 16))


def _after_first_epoch(da: xr.DataArray) -> xr.DataArray:
    """The epochs labelled after the first label (before any step: no change, NaN)."""
    return between(da, "epoch", start=first_label(da, "epoch") + 1)


# ----------------------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------------------

def _mean_sem(da: xr.DataArray, dim: str = "trial"):
    n = da.sizes[dim]
    return da.mean(dim), da.std(dim, ddof=1) / np.sqrt(n)


def readout_figure(ds: xr.Dataset):
    """Readout overlap m(layer) per shift (panels), one line per pair count; mean ± s.e. over models."""
    import matplotlib.pyplot as plt

    shifts = ds["shift"].values.tolist()
    fig, axes = plt.subplots(1, len(shifts), figsize=(3.1 * len(shifts), 3.0), sharey=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, ds.sizes["pairs"]))
    for ax, shift in zip(np.atleast_1d(axes), shifts):
        for c, pairs in zip(colors, ds["pairs"].values.tolist()):
            m, se = _mean_sem(ds["overlap"].sel(shift=shift, pairs=pairs))
            ax.errorbar(ds["time"].values, m.values, yerr=se.values, color=c, marker="o", ms=3, capsize=2,
                        label=f"{pairs}")
        ax.set_title(f"shift = {shift}", fontsize=9)
        ax.set_xlabel("layer (0 = embedding)")
        ax.set_xticks(ds["time"].values)
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("readout overlap cos(Wh+b, ξ_answer)")
    np.atleast_1d(axes)[-1].legend(title="pairs", fontsize=7, title_fontsize=7, loc="lower right")
    fig.suptitle("Per-layer linear readout of the answer at the query position "
                 f"({ds.sizes['trial']} models, mean ± s.e.)", fontsize=10)
    fig.tight_layout()
    return fig


def heads_figure(ds: xr.Dataset):
    """Per layer (rows of markers): normalised attention entropy and target weight against pairs, per shift;
    end-state fractions of the retrieval head."""
    import matplotlib.pyplot as plt

    shifts = ds["shift"].values.tolist()
    pairs = ds["pairs"].values
    fig, axes = plt.subplots(3, len(shifts), figsize=(3.1 * len(shifts), 7.2), sharey="row")
    axes = np.atleast_2d(axes)
    layer_colors = plt.cm.plasma(np.linspace(0, 0.8, ds.sizes["layer"]))
    for j, shift in enumerate(shifts):
        p = ds.sel(shift=shift)
        for c, layer in zip(layer_colors, ds["layer"].values.tolist()):
            for h in ds["head"].values.tolist():
                style = "-" if h == 0 else "--"
                axes[0, j].plot(pairs, p["normalized_entropy"].sel(layer=layer, head=h).mean("trial"), style,
                                color=c, marker="o", ms=3, label=f"L{layer} h{h}")
                axes[1, j].plot(pairs, p["target_weight"].sel(layer=layer, head=h).mean("trial"), style,
                                color=c, marker="o", ms=3)
        # the retrieval head: layer 1's head with the largest target weight (per model), its end states
        frac = []
        for pr in pairs.tolist():
            q = p.sel(pairs=pr)
            rows = []
            for t in range(q.sizes["trial"]):
                qt = q.isel(trial=t)
                rows.append(qt["end_state_fraction"].sel(layer=int(qt["retrieval_layer"]),
                                                         head=int(qt["retrieval_head"])).values)
            frac.append(np.mean(rows, 0))
        frac = np.array(frac)
        bottom = np.zeros(len(pairs))
        for k, (name, col) in enumerate(zip(ds["end_state"].values.tolist(), ("tab:green", "tab:orange", "tab:gray"))):
            axes[2, j].bar(np.arange(len(pairs)), frac[:, k], bottom=bottom, color=col, label=name)
            bottom += frac[:, k]
        axes[2, j].set_xticks(np.arange(len(pairs)), [str(x) for x in pairs])
        axes[0, j].set_title(f"shift = {shift}", fontsize=9)
        for i in range(2):
            axes[i, j].set_xscale("log", base=2)
            axes[i, j].set_xticks(pairs, [str(x) for x in pairs])
            axes[i, j].minorticks_off()
        axes[2, j].set_xlabel("pairs")
        for i in range(2):
            axes[i, j].grid(alpha=0.3)
    axes[0, 0].set_ylabel("attention entropy / log P")
    axes[1, 0].set_ylabel("weight on the answer's value")
    axes[2, 0].set_ylabel("retrieval head: end state")
    axes[0, -1].legend(fontsize=6, ncol=2)
    axes[2, -1].legend(fontsize=7)
    fig.suptitle(f"Heads at the query position as modern-Hopfield steps (mean over {ds.sizes['trial']} models)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def training_figure(ds: xr.Dataset):
    """Attention entropy per layer over training, and the per-epoch entropy-flow balance."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.2))
    epoch = ds["epoch"].values
    colors = plt.cm.plasma(np.linspace(0, 0.8, ds.sizes["layer"]))
    for c, layer in zip(colors, ds["layer"].values.tolist()):
        m, se = _mean_sem(ds["train_head_entropy"].sel(layer=layer).mean("head"))
        axes[0].errorbar(epoch, m, yerr=se, color=c, marker="o", ms=3, capsize=2, label=f"layer {layer}")
    axes[0].set_xlabel(f"epoch ({_steps_per_epoch(ds)} steps)")
    axes[0].set_ylabel("attention entropy at the query (nat)")
    axes[0].legend(fontsize=7)
    m, se = _mean_sem(ds["monitor_accuracy"])
    axes[1].errorbar(epoch, m, yerr=se, marker="o", ms=3, capsize=2, color="k")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("monitor accuracy")
    pred = _after_first_epoch(ds["entropy_change_predicted"])
    meas = _after_first_epoch(ds["entropy_change_measured"])
    lim = float(max(abs(pred).max(), abs(meas).max())) * 1.1
    axes[2].plot([-lim, lim], [-lim, lim], color="0.6", lw=1)
    for t in range(ds.sizes["trial"]):
        axes[2].plot(pred.isel(trial=t), meas.isel(trial=t), "o", ms=4, alpha=0.7)
    axes[2].set_xlabel("Σ <∇H, Δθ> over the epoch (nat)")
    axes[2].set_ylabel("Σ measured ΔH over the epoch (nat)")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(f"Attention entropy over training (mean ± s.e. over {ds.sizes['trial']} models) and its "
                 "first-order flow", fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------------------
# Report body
# ----------------------------------------------------------------------------------------------------------

def _fmt(iv: Interval, digits: int = 3) -> str:
    return iv.format(digits)


def _verdict_section(res: CriterionResult) -> list[str]:
    counted = [p for p in res.points if p.counted]
    n = len(counted)
    count = lambda attr, v: sum(getattr(p, attr) == v for p in counted)  # noqa: E731
    lines = ["## Verdict (criterion: `experiments/attention/CRITERION.md`, committed before the sweep ran)", "",
             "The hypothesis, in the issue's wording of HCLM §9.6: *\"useful computation may come from transient "
             "alignment between queries and stored patterns rather than from convergence\"*.", "",
             f"- **H1** (the readout peaks at an intermediate layer, by at least δ = {DELTA} on held-out sequences): "
             f"**{res.h1}** — supported at {count('h1', SUPPORTED)}, not supported at {count('h1', NOT_SUPPORTED)}, "
             f"inconclusive at {count('h1', INCONCLUSIVE)} of the {n} high-load / shifted points;",
             f"- **H2** (correct answers while the retrieval head's step ends metastable or average, fraction > "
             f"{FRACTION}): **{res.h2}** — supported at {count('h2', SUPPORTED)}, not supported at "
             f"{count('h2', NOT_SUPPORTED)}, inconclusive at {count('h2', INCONCLUSIVE)} of {n};",
             f"- **hypothesis (issue's wording): {res.hypothesis}**.", "",
             f"Per point (mean over the {res.models} models with the 95 % t-interval; chance {res.chance:.4g}; "
             "`counted` = in the test set C):", ""]
    rows = [[p.shift, p.pairs, "yes" if p.counted else "reference", _fmt(p.accuracy), _fmt(p.best_probe_accuracy),
             _fmt(p.gap), p.h1, _fmt(p.nonretrieval), p.h2] for p in res.points]
    lines.append(markdown_table(["shift", "pairs", "counted", "model accuracy", "probe accuracy (best layer)",
                                 "held-out gap G", "H1", "correct & non-retrieval", "H2"], rows))
    return lines


def _readout_section(ds: xr.Dataset) -> list[str]:
    times = ds["time"].values.tolist()
    values = _values(ds)
    lines = ["## Readout per layer", "",
             f"Mean over the {ds.sizes['trial']} models of the readout overlap m(l) and, in brackets, the probe accuracy; l = 0 is the "
             "embedding at the query position. Readout-time sensitivity from `transient_summary` on the "
             "per-sequence overlap (means over sequences and models): t* the peak layer, the fraction of sequences "
             "peaking before the last layer, and m* − m(L), what a reader at the last layer loses.", ""]
    rows = []
    for shift in ds["shift"].values.tolist():
        for pairs in ds["pairs"].values.tolist():
            p = ds.sel(shift=shift, pairs=pairs).mean("trial")
            cells = [f"{float(p['overlap'].sel(time=t)):.3f} ({float(p['probe_accuracy'].sel(time=t)):.2f})"
                     for t in times]
            guess = (1 + (pairs - 1) / values) / pairs
            rows.append([shift, pairs, *cells, float(p["lens_accuracy"].sel(time=1)), float(p["model_accuracy"]),
                         guess, float(p["mean_peak_time"]), float(p["peak_before_last"]),
                         float(p["mean_readout_loss_fixed"])])
    lines.append(markdown_table(["shift", "pairs", *[f"l = {t}" for t in times], "lens acc. l = 1", "model acc.",
                                 "context guess", "mean t*", "peak before last", "m* − m(L)"], rows))
    gaps = [(float(held_out_gap(ds.sel(shift=sh, pairs=pr)["overlap_half"].transpose("trial", "half", "time").values)
                   .mean()), sh, pr) for sh in ds["shift"].values.tolist() for pr in ds["pairs"].values.tolist()]
    top = max(gaps)
    lines += ["", "`context guess` = (1 + (n − 1)/V)/n, the accuracy of a reader that picks one of the n value tokens "
              "in the context at random (not part of the criterion; with a repeated key, picking one of its two "
              "bindings at random gives 1/2). The per-sequence t* and m* − m(L) are maxima over nearly equal "
              "layers and so are biased upwards by the sequence-level noise; the criterion's held-out gap G is not: "
              f"its largest mean over all points is {top[0]:.4f} (shift `{top[1]}`, {top[2]} pairs)."]
    return lines


def _heads_section(ds: xr.Dataset) -> list[str]:
    lines = ["## Heads as modern-Hopfield steps", "",
             "Each head's step at the query position: state q, stored patterns the P visible keys, β = 1/√d_head. "
             "Means over sequences and models. End states from `classify_end_state` (retrieval n_eff < 1.5, "
             "average n_eff ≥ P/2). The retrieval head of every model and grid point is the head with the "
             "largest mean weight on the answer's value position; the layer it sits in:", ""]
    layers = ds["retrieval_layer"].values.ravel()
    lines.append(f"- retrieval layer over all {layers.size} (model, point) pairs: "
                 + ", ".join(f"layer {int(v)}: {int((layers == v).sum())}" for v in np.unique(layers)))
    lines += ["", "Per layer and head at shift `none` (the training maximum and the highest load) and at the "
              "smallest load above the training maximum under each shift:", ""]
    rows = []
    pairs = ds["pairs"].values
    at_train = int(pairs[pairs <= TRAIN_MAX_PAIRS].max()) if (pairs <= TRAIN_MAX_PAIRS).any() else int(pairs.min())
    above = int(pairs[pairs > TRAIN_MAX_PAIRS].min()) if (pairs > TRAIN_MAX_PAIRS).any() else int(pairs.max())
    picks = [("none", at_train), ("none", int(pairs.max()))] + [(s, above) for s in ds["shift"].values.tolist()
                                                                if s != "none"]
    for shift, pairs in picks:
        p = ds.sel(shift=shift, pairs=pairs).mean("trial")
        for layer in ds["layer"].values.tolist():
            for h in ds["head"].values.tolist():
                q = p.sel(layer=layer, head=h)
                es = q["end_state_fraction"].values
                rows.append([shift, pairs, layer, h, float(q["attention_entropy"]), float(q["normalized_entropy"]),
                             float(q["effective_patterns"]), float(q["target_weight"]),
                             f"{es[0]:.2f} / {es[1]:.2f} / {es[2]:.2f}", float(q["median_margin"]),
                             float(q["median_separation"]), float(q["median_log10_ramsauer_bound"]),
                             float(q["ramsauer_bound_informative"]), float(q["median_value_error"]),
                             float(q["logit_bound_informative"])])
    lines.append(markdown_table(["shift", "pairs", "layer", "head", "H (nat)", "H / log P", "n_eff", "target weight",
                                 "retr. / meta. / avg.", "median margin", "median Δ", "median log10 Ramsauer bound",
                                 "Ramsauer < trivial", "median value error", "logit < trivial"], rows))
    holds = min(float(ds["ramsauer_bound_holds"].min()), float(ds["logit_bound_holds"].min()))
    lines += ["", f"Both bounds hold in every sequence, head and point (smallest fraction holding: {holds:.3f}); "
              f"the largest difference between the model's attention weights and the shared kernel's "
              f"softmax(βKq) is {float(ds['kernel_weight_mismatch'].max()):.1e}."]
    return lines


def _training_section(ds: xr.Dataset) -> list[str]:
    lines = ["## Attention entropy over training and its flow", "",
             f"Per epoch ({_steps_per_epoch(ds)} Adam steps), mean over the {ds.sizes['trial']} models: the monitor-batch accuracy, the attention entropy "
             "per layer (mean over heads), the mean injection −⟨∇L, ∇H⟩ (the entropy's gradient-flow rate; the "
             "objective has no entropy term, so the dissipation λ‖∇H‖² is 0), the mean information force ‖∇H‖ "
             "(Euclidean, over all parameters), the median λ* and the epoch sums of "
             "the first-order change ⟨∇H, Δθ⟩ and of the measured change.", ""]
    rows = []
    for e in ds["epoch"].values.tolist():
        p = ds.sel(epoch=e).mean("trial")
        ent = [float(p["train_head_entropy"].sel(layer=layer).mean("head")) for layer in ds["layer"].values.tolist()]
        rows.append([e, float(p["monitor_accuracy"]), *ent, float(p["injection"]), float(p["info_force"]),
                     float(p["lambda_star"]), float(p["entropy_change_predicted"]),
                     float(p["entropy_change_measured"])])
    lines.append(markdown_table(["epoch", "monitor acc.", *[f"H layer {layer}" for layer in ds["layer"].values],
                                 "injection", "‖∇H‖", "λ*", "Σ⟨∇H,Δθ⟩", "Σ measured ΔH"], rows))
    pred = _after_first_epoch(ds["entropy_change_predicted"]).values.ravel()
    meas = _after_first_epoch(ds["entropy_change_measured"]).values.ravel()
    total_p = _after_first_epoch(ds["entropy_change_predicted"]).sum("epoch").values
    total_m = _after_first_epoch(ds["entropy_change_measured"]).sum("epoch").values
    h0 = at_first(ds["train_head_entropy"], "epoch").mean(("layer", "head")).values
    h_end = at_last(ds["train_head_entropy"], "epoch").mean(("layer", "head")).values
    corr = float(np.corrcoef(pred, meas)[0, 1])
    lines += ["", f"First-order flow over all {pred.size} (model, epoch) sums: correlation {corr:.3f} between "
              f"predicted and measured; whole-run totals predicted {np.mean(total_p):.3f} ± {np.std(total_p, ddof=1):.3f} "
              f"and measured {np.mean(total_m):.3f} ± {np.std(total_m, ddof=1):.3f} nat (mean ± s.d. over models) "
              f"on the training batches; monitor-batch entropy (mean over layers and heads) from {np.mean(h0):.3f} "
              f"at initialisation to {np.mean(h_end):.3f} nat."]
    return lines


def _absolute_section(ds: xr.Dataset) -> list[str]:
    """The second architecture (``config.absolute.toml``): the same criterion, verdicts and readout per layer."""
    res = evaluate_criterion(ds)
    counted = [p for p in res.points if p.counted]
    n = len(counted)
    count = lambda attr, v: sum(getattr(p, attr) == v for p in counted)  # noqa: E731
    lines = ["## Second architecture: learned absolute positions, no previous-token input", "",
             "`experiments/attention/config.absolute.toml` -> `data/attention-absolute.nc`: the same task, grid and "
             "criterion (CRITERION.md, unchanged; its paragraph on this architecture was committed before this sweep "
             "ran), with `position = \"absolute\"`: x_t = E[tok_t] + P[t], no embedding of the previous token, so "
             "the key-value binding has to be built by attention (an induction-style circuit over two layers).", "",
             f"- **H1**: **{res.h1}** — supported at {count('h1', SUPPORTED)}, not supported at "
             f"{count('h1', NOT_SUPPORTED)}, inconclusive at {count('h1', INCONCLUSIVE)} of the {n} points;",
             f"- **H2**: **{res.h2}** — supported at {count('h2', SUPPORTED)}, not supported at "
             f"{count('h2', NOT_SUPPORTED)}, inconclusive at {count('h2', INCONCLUSIVE)} of {n};",
             f"- **hypothesis (issue's wording): {res.hypothesis}**.", "",
             f"Per point (mean over the {res.models} models with the 95 % t-interval, t from {res.models - 1} d.o.f.; "
             f"chance {res.chance:.4g}):", ""]
    rows = [[p.shift, p.pairs, "yes" if p.counted else "reference", _fmt(p.accuracy), _fmt(p.best_probe_accuracy),
             _fmt(p.gap), p.h1, _fmt(p.nonretrieval), p.h2] for p in res.points]
    lines.append(markdown_table(["shift", "pairs", "counted", "model accuracy", "probe accuracy (best layer)",
                                 "held-out gap G", "H1", "correct & non-retrieval", "H2"], rows))
    times = ds["time"].values.tolist()
    lines += ["", "Readout overlap m(l) per layer (probe accuracy in brackets), mean over models; retrieval layer = "
              "the layers of the models' retrieval heads:", ""]
    rows = []
    for shift in ds["shift"].values.tolist():
        for pairs in ds["pairs"].values.tolist():
            q = ds.sel(shift=shift, pairs=pairs)
            p = q.mean("trial")
            cells = [f"{float(p['overlap'].sel(time=t)):.3f} ({float(p['probe_accuracy'].sel(time=t)):.2f})"
                     for t in times]
            layers = ",".join(str(int(v)) for v in q["retrieval_layer"].values.tolist())
            guess = (1 + (pairs - 1) / _values(ds)) / pairs
            rows.append([shift, pairs, *cells, float(p["model_accuracy"]), guess, layers])
    lines.append(markdown_table(["shift", "pairs", *[f"l = {t}" for t in times], "model acc.", "context guess",
                                 "retrieval layer"], rows))
    acc = ds["monitor_accuracy"]
    lines += ["", "Training: monitor accuracy (training distribution, " + str(_values(ds)) + " values) at the last "
              f"epoch {float(at_last(acc, 'epoch').mean('trial')):.3f} (per model: "
              + ", ".join(f"{v:.3f}" for v in at_last(acc, 'epoch').values.tolist()) + ")."]
    return lines


@register("attention")
def attention_body(datasets: dict[str, xr.Dataset], folder: str) -> str:
    ds = datasets[""]
    res = evaluate_criterion(ds)
    figures = {"attention_readout.png": readout_figure(ds), "attention_heads.png": heads_figure(ds),
               "attention_training.png": training_figure(ds)}
    import matplotlib.pyplot as plt

    for name, fig in figures.items():
        fig.savefig(os.path.join(folder, name), dpi=100, bbox_inches="tight")
        plt.close(fig)
    lines = _verdict_section(res)
    lines += ["", "![readout](attention_readout.png)", ""] + _readout_section(ds)
    lines += ["", "![heads](attention_heads.png)", ""] + _heads_section(ds)
    lines += ["", "![training](attention_training.png)", ""] + _training_section(ds)
    if "absolute" in datasets:
        lines += [""] + _absolute_section(datasets["absolute"])
    return "\n".join(lines)
