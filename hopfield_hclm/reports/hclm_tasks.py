"""HCLM beyond one synthetic task (issue 13): the §8 study on real data and the regulariser comparison.

``experiments/hclm_tasks/config.<task>.toml`` repeats the hclm_regimes grid (surrogate × regime ×
coefficient, paired seeds) on each real task; ``config.reg_<regulariser>_<task>.toml`` runs one
standard regulariser at its pre-chosen strengths, alone and beside the log-det term. Everything
below -- grids, windows, selection rule and verdict words -- was fixed and committed before any run
of this study (:data:`TASKS_CRITERION`, :data:`REG_CRITERION`).

The §8 verdicts are computed by :func:`~.claims.evaluate_claims` itself, unchanged, on two views of
one task's sweep (:func:`task_views`): the whole per-epoch study (as ``hclm_regimes``) and its first
:data:`DYN_EPOCHS` epochs of per-step force and λ_t at λ0 ∈ :data:`DYN_COEFS` (as ``hclm_dynamics``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..core.windows import at_first, head, span
from .builder import EXPORT_FILTERS, TITLES, experiment_parts, markdown_table, register
from .claims import (
    FINAL_WINDOW,
    SUPPORTED,
    ClaimResult,
    evaluate_claims,
    final,
    mean_sd,
    paired_difference,
    path_mean,
    verdict,
)

__all__ = [
    "NAME", "TASKS", "REGULARIZER_GRIDS", "ENTROPY_GRID", "COMBINED_COEF", "TASKS_CRITERION", "REG_CRITERION",
    "Comparison", "across_tasks", "regulariser_comparisons", "task_claims", "task_views", "tasks_body",
]

NAME = "hclm_tasks"
#: the per-task §8 sweeps (part keys, in column order; the synthetic task's verdicts come from CLAIMS.md's own
#: data). "mnist1d_cnn" (the 1-D CNN on MNIST-1D) was added after the other parts had run, same grid and criterion.
TASKS = ("digits", "mnist1d", "mnist1d_cnn")
#: pre-chosen strength grids, four points each (the tuning budget of every arm)
REGULARIZER_GRIDS = {
    "weight_decay": (1e-4, 1e-3, 1e-2, 1e-1),
    "dropout": (0.1, 0.2, 0.3, 0.5),
    "sam": (0.01, 0.02, 0.05, 0.1),
    "label_smoothing": (0.05, 0.1, 0.2, 0.3),
}
#: the entropy arm: log-det at fixed λ over the four positive coefficients of the §8 grid
ENTROPY_SURROGATE = "logdet"
ENTROPY_GRID = (1e-3, 1e-2, 0.1, 1.0)
#: the combined arm: each regulariser strength with the log-det term at this fixed λ
COMBINED_COEF = 0.01
#: the hclm_dynamics view: its coefficients and its 20 epochs
DYN_COEFS = (0.0, 0.1, 1.0)
DYN_EPOCHS = 20
#: variables kept in data/hclm_tasks*.nc (float32; per-step ones only for the first DYN_EPOCHS epochs)
KEEP = ("train_loss", "test_loss", "test_loss_shift", "gen_gap", "test_error", "val_loss", "entropy",
        "information_bound", "info_force", "lambda_t", "lambda_star", "reward", "utility", "completed_epochs",
        "step_info_force", "step_coef")
#: kept in float64: λ_t is checked against its bounds to a relative 1e-9 (row E6), finer than float32
FLOAT64 = ("lambda_t", "step_coef")

TASKS_CRITERION = (
    "**Criterion (fixed and committed before any run of this study).** The rule of CLAIMS.md, unchanged and "
    "applied by the same code (`evaluate_claims`): per condition, a paired comparison over the seeds (the same "
    "seed gives the same training and feedback subsets, initial weights, batch order and noise to every "
    "surrogate, regime, coefficient and regulariser) with the two-sided 95 % Student-t interval of the mean paired "
    "difference; supported / not supported / inconclusive by where the interval lies; conditions at one λ0 "
    "combine as all supported → supported, any not supported → not supported; the per-λ0 verdicts over the "
    "counted λ0 > 0 combine by the majority-with-veto grid rule. The grid is that of hclm_regimes (surrogates "
    "softmax, variance, log-det; regimes fixed, λ*-tracking thermostat, target-entropy thermostat, "
    "RL-thermostat; λ0 ∈ {0, 10⁻³, 10⁻², 0.1, 1}); the rows built from hclm_dynamics use the first 20 epochs of "
    "the same runs at λ0 ∈ {0, 0.1, 1} (training does not depend on the number of epochs still to come, so these "
    "are the runs a 20-epoch sweep would make). Windows as in CLAIMS.md (final = last 5 epochs, late force and "
    "reward = last 10, instability over the second half, step CV over epochs 11–20, early collapse epoch 5 "
    "against 1). Differences from the synthetic study, all fixed in advance: 3 seeds instead of 5 (t with 2 "
    "degrees of freedom, multiplier 4.30, so fewer conditions can be decided), 30 epochs instead of 40, the "
    "network and data of each task, a 10-class softmax head (the rater sees 'class in {0,…,4}'), and no "
    "hclm_feedback sweep (row E6 checks the λ_t of these runs only). A verdict is **the same across tasks** when "
    "it is identical on the synthetic task and on every real task; otherwise the line lists each task's verdict."
)

REG_CRITERION = (
    "**Regulariser comparison (fixed and committed before any run of this study).** Arms, on each task, with the "
    "same seeds and settings: the *baseline* (no regulariser, λ = 0); the *entropy* arm, log-det at fixed "
    "λ ∈ {10⁻³, 10⁻², 0.1, 1} (the fixed log-det runs of the §8 study); for each regulariser r its *alone* arm at "
    "four strengths (weight decay μ ∈ {10⁻⁴, 10⁻³, 10⁻², 0.1}; dropout p ∈ {0.1, 0.2, 0.3, 0.5}; SAM "
    "ρ ∈ {0.01, 0.02, 0.05, 0.1}; label smoothing α ∈ {0.05, 0.1, 0.2, 0.3}) and its *combined* arm, the same four "
    "strengths with log-det at λ = 0.01. Matched tuning budget: four points per arm. *Selection:* each arm keeps "
    "the point with the lowest seed-mean final validation loss (log-loss on the feedback set, disjoint from the "
    "test set; mean of the last 5 epochs); the test set is never used to choose. *Comparisons* on the selected "
    "points, paired over seeds, 95 % t-interval: entropy − r (final test loss, final gap): **entropy better** when "
    "the interval lies below 0, **r better** when above, **no detectable difference** otherwise; combined − r: "
    "**adds** below 0, **hurts** above, **no detectable effect** otherwise. The intervals do not include the "
    "selection step (the same for every arm). λ = 0.01 for the combined arm was chosen before the study because a "
    "timing probe (one seed, digits CNN, log-det λ = 0.1) collapsed the representation to a constant predictor "
    "(test loss ln 10); nothing else was seen before the criterion was fixed."
)

ENTROPY_WORDS = ("entropy better", "r better", "no detectable difference")
ADD_WORDS = ("adds", "hurts", "no detectable effect")


# ----------------------------------------------------------------------------------------- data


def _setting(ds: xr.Dataset, name: str, default=None):
    import json

    config = json.loads(ds.attrs["config"]) if "config" in ds.attrs else {}
    return config.get("base", {}).get(name, default)


def _export(ds: xr.Dataset) -> xr.Dataset:
    """Keep :data:`KEEP`, the per-step series of the first :data:`DYN_EPOCHS` epochs only, float32 (but :data:`FLOAT64`)."""
    drop = [v for v in ds.data_vars if v not in KEEP]
    out = ds.drop_vars(drop)
    if "step" in out.dims:
        spe = int(out.sizes["step"]) // int(out.sizes["epoch"])
        out = head(out, "step", DYN_EPOCHS * spe)
    for v in out.data_vars:
        if out[v].dtype == np.float64 and v not in FLOAT64:
            out[v] = out[v].astype(np.float32)
    out.attrs["dropped_variables"] = " ".join(drop)
    return out


EXPORT_FILTERS[NAME] = _export
TITLES[NAME] = ("HCLM beyond one synthetic task: the §8 study on digits and MNIST-1D, and the entropy term beside "
                "standard regularisers")


def task_views(ds: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset | None]:
    """(regimes, dynamics) views of one task's §8 sweep for :func:`~.claims.evaluate_claims`.

    ``ds``: dims ``(surrogate, regime, coef, trial, epoch)`` and, with per-step series, ``step``.
    regimes = the per-epoch variables; dynamics = the first :data:`DYN_EPOCHS` epochs (and their steps) at
    the :data:`DYN_COEFS` present, or None without per-step data.
    """
    step_vars = [v for v in ds.data_vars if "step" in ds[v].dims]
    regimes = ds.drop_vars(step_vars).drop_dims("step", errors="ignore")
    regimes = regimes.drop_vars([c for c in ("step_epoch",) if c in regimes.coords])
    if not step_vars:
        return regimes, None
    spe = int(ds.sizes["step"]) // int(ds.sizes["epoch"]) if "step_epoch" not in ds.coords else \
        int((ds.step_epoch == at_first(ds.step_epoch, "step").item()).sum())
    n_ep = min(DYN_EPOCHS, span(ds, "epoch"))
    coefs = [c for c in DYN_COEFS if c in ds.coef.values]
    dyn = head(head(ds.sel(coef=coefs), "epoch", n_ep), "step", n_ep * spe)
    dyn.attrs = dict(ds.attrs)
    return regimes, dyn


def task_claims(datasets: dict[str, xr.Dataset]) -> dict[str, dict[str, ClaimResult]]:
    """``{task: {row key: ClaimResult}}`` for every task part present (keys of ``datasets`` = part keys)."""
    out = {}
    for task in TASKS:
        if task in datasets:
            regimes, dyn = task_views(datasets[task])
            out[task] = {r.key: r for r in evaluate_claims(regimes, dyn)}
    return out


def load_task_datasets(root: str = ".") -> dict[str, xr.Dataset]:
    """The exported parts of hclm_tasks that exist under ``root/data`` (``{}`` when none)."""
    try:
        parts = experiment_parts(NAME, root)
    except ValueError:
        return {}
    return {p.key: xr.load_dataset(p.netcdf, engine="h5netcdf") for p in parts if os.path.exists(p.netcdf)}


def across_tasks(verdicts: dict[str, str | None]) -> str:
    """One line: ``same on all N tasks: V`` or ``differs: task V; …`` (tasks where the row is absent say so)."""
    present = {t: v for t, v in verdicts.items() if v is not None}
    missing = [t for t, v in verdicts.items() if v is None]
    tail = f" (not evaluated on {', '.join(missing)})" if missing else ""
    if present and len(set(present.values())) == 1:
        return f"same on all {len(present)} tasks: {next(iter(present.values()))}" + tail
    return "differs: " + "; ".join(f"{t} {v}" for t, v in present.items()) + tail


def claims_columns(rows, per_task: dict[str, dict[str, ClaimResult]]) -> tuple[list[str], dict[str, list[str]]]:
    """Extra CLAIMS.md columns: one verdict column per real task and the across-tasks line, per row key."""
    header = [f"{t} verdict" for t in per_task] + ["same across tasks?"]
    cells = {}
    for r in rows:
        vs = {"synthetic": r.verdict}
        vs.update({t: (per_task[t][r.key].verdict if r.key in per_task[t] else None) for t in per_task})
        cells[r.key] = [(f"**{vs[t]}**" if vs[t] else "not evaluated") for t in per_task] + [across_tasks(vs)]
    return header, cells


# ---------------------------------------------------------------------------------- regularisers


@dataclass(frozen=True)
class ArmPoint:
    """One tuning point of an arm: its label and per-seed ``(trial,)`` final values."""

    label: str
    test: np.ndarray
    gap: np.ndarray
    val: np.ndarray
    shift: np.ndarray


@dataclass(frozen=True)
class Comparison:
    """One task × regulariser row of the comparison table (selected points and paired verdicts)."""

    task: str
    regularizer: str
    baseline: ArmPoint
    entropy: ArmPoint
    alone: ArmPoint
    combined: ArmPoint
    entropy_vs_r: tuple       # (test Interval, gap Interval)
    combined_vs_r: tuple
    entropy_words: tuple      # (test word, gap word)
    add_words: tuple


def _point(label: str, p: xr.Dataset) -> ArmPoint:
    v = (lambda name: np.asarray(final(p[name]).values, dtype=float))
    return ArmPoint(label, v("test_loss"), v("gen_gap"), v("val_loss"), v("test_loss_shift"))


def _select(points: list[ArmPoint]) -> ArmPoint:
    means = [np.nanmean(p.val) if np.any(np.isfinite(p.val)) else np.inf for p in points]
    return points[int(np.argmin(means))]


def _words(a: np.ndarray, b: np.ndarray, words) -> tuple:
    iv = paired_difference(a, b)
    if verdict(iv, direction="less") == SUPPORTED:
        return iv, words[0]
    if verdict(iv, direction="greater") == SUPPORTED:
        return iv, words[1]
    return iv, words[2]


def regulariser_comparisons(datasets: dict[str, xr.Dataset]) -> list[Comparison]:
    """Every task × regulariser comparison whose parts are present (see :data:`REG_CRITERION`)."""
    out = []
    for task in TASKS:
        if task not in datasets:
            continue
        ds = datasets[task].sel(surrogate=ENTROPY_SURROGATE, regime="fixed")
        baseline = _point("λ = 0", ds.sel(coef=0.0))
        entropy = _select([_point(f"λ = {c:g}", ds.sel(coef=c)) for c in ENTROPY_GRID if c in ds.coef.values])
        for reg in REGULARIZER_GRIDS:
            key = f"reg_{reg}_{task}"
            if key not in datasets:
                continue
            rd = datasets[key]
            strengths = [float(s) for s in rd.regularizer_strength.values]
            alone = _select([_point(f"{s:g}", rd.sel(regularizer_strength=s, coef=0.0)) for s in strengths])
            combined = _select([_point(f"{s:g} + λ = {COMBINED_COEF:g}", rd.sel(regularizer_strength=s, coef=COMBINED_COEF))
                                for s in strengths])
            e_test, e_tw = _words(entropy.test, alone.test, ENTROPY_WORDS)
            e_gap, e_gw = _words(entropy.gap, alone.gap, ENTROPY_WORDS)
            c_test, c_tw = _words(combined.test, alone.test, ADD_WORDS)
            c_gap, c_gw = _words(combined.gap, alone.gap, ADD_WORDS)
            out.append(Comparison(task, reg, baseline, entropy, alone, combined, (e_test, e_gap), (c_test, c_gap),
                                  (e_tw, e_gw), (c_tw, c_gw)))
    return out


def comparison_table(comps: list[Comparison]) -> str:
    rows = []
    for c in comps:
        rows.append([c.task, c.regularizer.replace("_", " "), c.alone.label, c.entropy.label, c.combined.label,
                     mean_sd(c.baseline.test), mean_sd(c.alone.test), mean_sd(c.entropy.test), mean_sd(c.combined.test),
                     f"{c.entropy_vs_r[0].format()} → **{c.entropy_words[0]}**",
                     f"{c.entropy_vs_r[1].format()} → **{c.entropy_words[1]}**",
                     f"{c.combined_vs_r[0].format()} → **{c.add_words[0]}**",
                     f"{c.combined_vs_r[1].format()} → **{c.add_words[1]}**"])
    return markdown_table(
        ["task", "regulariser r", "r selected", "entropy selected", "combined selected", "test: baseline",
         "test: r", "test: entropy", "test: combined", "test: entropy − r", "gap: entropy − r",
         "test: combined − r", "gap: combined − r"], rows)


# ---------------------------------------------------------------------------------------- report


def _save(fig, folder: str, name: str) -> str:
    import matplotlib.pyplot as plt

    fig.savefig(os.path.join(folder, name), dpi=100)
    plt.close(fig)
    return name


def _regulariser_figure(task: str, datasets: dict[str, xr.Dataset], folder: str) -> str | None:
    import matplotlib.pyplot as plt

    regs = [r for r in REGULARIZER_GRIDS if f"reg_{r}_{task}" in datasets]
    if not regs:
        return None
    ds = datasets[task].sel(surrogate=ENTROPY_SURROGATE, regime="fixed")
    base = float(np.nanmean(final(ds.test_loss.sel(coef=0.0))))
    ent = {c: float(np.nanmean(final(ds.test_loss.sel(coef=c)))) for c in ENTROPY_GRID if c in ds.coef.values}
    fig, axes = plt.subplots(1, len(regs), figsize=(3.3 * len(regs), 3.0), sharey=True, squeeze=False)
    for ax, reg in zip(axes[0], regs):
        rd = datasets[f"reg_{reg}_{task}"]
        s = rd.regularizer_strength.values
        for c, style, lab in ((0.0, "o-", "r alone"), (COMBINED_COEF, "s--", f"r + log-det λ = {COMBINED_COEF:g}")):
            t = final(rd.test_loss.sel(coef=c))
            ax.errorbar(s, t.mean("trial"), yerr=t.std("trial", ddof=1), fmt=style, capsize=2, label=lab)
        ax.axhline(base, color="k", lw=0.8, ls=":", label="baseline (λ = 0)")
        best = min(ent, key=ent.get)
        ax.axhline(ent[best], color="tab:green", lw=0.8, ls="-.", label=f"log-det alone, best λ = {best:g}")
        if reg in ("weight_decay", "sam"):   # grids spanning decades; dropout and smoothing are linear
            ax.set_xscale("log")
        ax.set_xlabel(f"{reg.replace('_', ' ')} strength")
        ax.set_title(reg.replace("_", " "), fontsize=9)
    axes[0][0].set_ylabel(f"final test loss [nat] (mean of last {FINAL_WINDOW})")
    axes[0][-1].legend(fontsize=6)
    fig.suptitle(f"{task}: regularisers beside the entropy term (seed mean ± s.d.)", fontsize=9)
    fig.tight_layout()
    return _save(fig, folder, f"regularisers_{task}.png")


def _results_table(ds: xr.Dataset) -> str:
    rows = []
    for s in ds.surrogate.values:
        for g in ds.regime.values:
            for c in ds.coef.values:
                p = ds.sel(surrogate=s, regime=g, coef=c)
                rows.append([s, g, f"{c:g}", mean_sd(final(p.test_loss)), mean_sd(final(p.gen_gap)),
                             mean_sd(final(p.test_loss_shift)), mean_sd(final(p.test_error)),
                             mean_sd(path_mean(p.info_force)), mean_sd(path_mean(p.lambda_t))])
    return markdown_table(["surrogate", "regime", "λ0", f"test loss (last {FINAL_WINDOW})", "gap", "shifted test loss",
                           "test error", "path-mean force", "mean λ_t"], rows)


def _claims_table(per_task: dict[str, dict[str, ClaimResult]], synthetic: dict[str, str]) -> str:
    keys = []
    for rows in per_task.values():
        keys += [k for k in rows if k not in keys]
    lines = []
    for k in keys:
        any_row = next(rows[k] for rows in per_task.values() if k in rows)
        vs = {"synthetic": synthetic.get(k)}
        vs.update({t: (per_task[t][k].verdict if k in per_task[t] else None) for t in per_task})
        lines.append([k, any_row.kind, f"{any_row.section}: “{any_row.quote}”", any_row.claim,
                      synthetic.get(k, "n/a")] + [f"**{per_task[t][k].verdict}**" if k in per_task[t] else "—"
                                                  for t in per_task] + [across_tasks(vs)])
    return markdown_table(["#", "kind", "sentence", "our test", "synthetic"] + list(per_task) + ["same across tasks?"],
                          lines)


def _synthetic_verdicts(root: str) -> dict[str, str]:
    from .claims import evaluate_claims as ev

    path = os.path.join(root, "data", "hclm_regimes.nc")
    if not os.path.exists(path):
        return {}
    reg = xr.load_dataset(path, engine="h5netcdf")
    dp = os.path.join(root, "data", "hclm_dynamics.nc")
    fp = os.path.join(root, "data", "hclm_feedback.nc")
    dyn = xr.load_dataset(dp, engine="h5netcdf") if os.path.exists(dp) else None
    fb = xr.load_dataset(fp, engine="h5netcdf") if os.path.exists(fp) else None
    return {r.key: r.verdict for r in ev(reg, dyn, fb)}


def _root_of(folder: str) -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(folder)))


def _diverged_cells(ds: xr.Dataset) -> list[str]:
    last = int(ds.epoch[-1])
    bad = (ds.completed_epochs < last).sum("trial")
    out = []
    for s in ds.surrogate.values:
        for g in ds.regime.values:
            for c in ds.coef.values:
                n = int(bad.sel(surrogate=s, regime=g, coef=c))
                if n:
                    out.append(f"{s}/{g}/λ0 = {c:g} ({n} of {int(ds.sizes['trial'])})")
    return out


def findings(datasets: dict[str, xr.Dataset], per_task, synthetic: dict[str, str], comps) -> str:
    """findings.md of hclm_tasks, every number from the data (written by :func:`tasks_body`)."""
    lines = []
    for task in TASKS:
        if task not in datasets:
            continue
        ds = datasets[task]
        b = ds.sel(surrogate=ENTROPY_SURROGATE, regime="fixed", coef=0.0)
        test = b.test_loss.mean("trial")
        best_ep = int(test.epoch[int(np.nanargmin(test.values))])
        lines.append(
            f"- **{task}, λ = 0 (no entropy term, no regulariser).** Final training loss "
            f"{mean_sd(final(b.train_loss))} nat, test loss {mean_sd(final(b.test_loss))} (lowest seed-mean test "
            f"loss {float(test.min()):.3g} at epoch {best_ep}), gap {mean_sd(final(b.gen_gap))}, test error "
            f"{mean_sd(final(b.test_error))}, shifted test loss {mean_sd(final(b.test_loss_shift))}: "
            + ("the regime overfits (test loss rises after its minimum)." if best_ep < int(ds.epoch[-1]) - FINAL_WINDOW
               else "the test loss has not risen by the end of training, so this task overfits only through its gap."))
        bad = _diverged_cells(ds)
        if bad:
            lines.append(f"- **{task}, diverged runs** (non-finite value; kept as NaN after the stop, dropped "
                         "pairwise): " + "; ".join(bad) + ".")
    if per_task:
        keys = [r for r in synthetic] if synthetic else list(next(iter(per_task.values())))
        same, differ = [], []
        for k in keys:
            vs = {"synthetic": synthetic.get(k), **{t: (per_task[t][k].verdict if k in per_task[t] else None)
                                                    for t in per_task}}
            (same if None not in vs.values() and len(set(vs.values())) == 1 else differ).append(
                (k, "; ".join(f"{t} {v or 'not evaluated'}" for t, v in vs.items())))
        decided = [(k, v) for k, v in same if "inconclusive" not in v]
        lines.append(f"- **Verdicts across tasks.** {len(same)} of {len(keys)} CLAIMS.md rows have the same verdict on "
                     "the synthetic task and on every real task: " + (", ".join(f"{k} ({v.split('; ')[0].split(' ', 1)[1]})"
                                                                             for k, v in same) or "none")
                     + f". Of these, {len(decided)} are decided the same way everywhere ("
                     + (", ".join(k for k, _ in decided) or "none") + "); the rest are inconclusive everywhere, which "
                     "says that no task decides them, not that they agree.")
        if differ:
            lines.append("- **Rows whose verdict changes with the task:** " + " · ".join(f"{k}: {v}" for k, v in differ)
                         + ". With 3 seeds instead of 5 a 'supported' on the synthetic task can become 'inconclusive' "
                           "on a real task for lack of power alone; a change between 'supported' and 'not supported' "
                           "cannot.")
    edge = []
    for c in comps:
        grid = REGULARIZER_GRIDS[c.regularizer]
        if c.alone.label in (f"{min(grid):g}", f"{max(grid):g}"):
            edge.append(f"{c.task} {c.regularizer.replace('_', ' ')} {c.alone.label}")
        if c.entropy.label in (f"λ = {min(ENTROPY_GRID):g}", f"λ = {max(ENTROPY_GRID):g}"):
            edge.append(f"{c.task} log-det {c.entropy.label}")
    if edge:
        lines.append("- **Selected at the edge of a pre-chosen grid** (a better strength may lie outside it, so the "
                     "arm may be under-tuned): " + "; ".join(dict.fromkeys(edge)) + ".")
    for task in TASKS:
        rows = [c for c in comps if c.task == task]
        if rows:
            lines.append(f"- **{task}, regularisers** (selected by validation loss; test loss / gap): " + "; ".join(
                f"{c.regularizer.replace('_', ' ')} ({c.alone.label}) vs log-det ({c.entropy.label}): "
                f"{c.entropy_words[0]} / {c.entropy_words[1]}, the term {c.add_words[0]} / {c.add_words[1]} "
                f"at λ = {COMBINED_COEF:g}" for c in rows) + ".")
    return "\n".join(lines) + "\n"


@register(NAME)
def tasks_body(datasets: dict[str, xr.Dataset], folder: str) -> str:
    """REPORT.md body of hclm_tasks: criterion, per-task results and verdicts, regulariser comparison, figures."""
    from ..plots import hclm as plots

    per_task = task_claims(datasets)
    synthetic = _synthetic_verdicts(_root_of(folder))
    text = ["## Criterion", "", TASKS_CRITERION, "", REG_CRITERION, ""]
    walls = {k: ds.attrs.get("sweep_wall_seconds") for k, ds in datasets.items()}
    if all(w is not None for w in walls.values()) and walls:
        text += [f"**Run time.** {sum(walls.values()):.0f} s wall for all {len(walls)} sweeps through the sweep engine "
                 "(" + ", ".join(f"{k} {w:.0f} s" for k, w in walls.items()) + ").", ""]
    text += ["## Verdicts per task", "",
             "The §8 rows of [CLAIMS.md](../hclm/CLAIMS.md), each recomputed on each task by `evaluate_claims`; "
             "'synthetic' is CLAIMS.md's own verdict (5 seeds, 40 epochs).", "",
             _claims_table(per_task, synthetic), ""]
    comps = regulariser_comparisons(datasets)
    with open(os.path.join(folder, "findings.md"), "w") as fh:
        fh.write(findings(datasets, per_task, synthetic, comps))
    if comps:
        text += ["## Regularisers beside the entropy term", "",
                 "Final test loss, mean ± s.d. over seeds, at each arm's selected point; differences are paired "
                 "95 % t-intervals.", "", comparison_table(comps), ""]
        for task in TASKS:
            name = _regulariser_figure(task, datasets, folder) if task in datasets else None
            if name:
                text += [f"![regularisers, {task}]({name})", ""]
    for task in TASKS:
        if task not in datasets:
            continue
        ds, _ = task_views(datasets[task])
        figs = {f"test_loss_vs_coef_{task}.png": plots.coefficient_summary(ds, "test_loss", window=FINAL_WINDOW),
                f"gen_gap_vs_coef_{task}.png": plots.coefficient_summary(ds, "gen_gap", window=FINAL_WINDOW),
                f"force_vs_coef_{task}.png": plots.coefficient_summary(ds, "info_force", window=int(ds.sizes["epoch"]),
                                                                       logy=True)}
        for name, fig in figs.items():
            _save(fig, folder, name)
        n_bad = int((ds.completed_epochs < int(ds.epoch[-1])).sum())
        text += [f"## {task}: results (mean ± s.d. over {int(ds.sizes['trial'])} seeds)", "",
                 f"{n_bad} of {int(ds.completed_epochs.size)} runs stopped early on a non-finite value (NaN after the stop).",
                 "", _results_table(ds), ""] + [f"![{n}]({n})" for n in figs] + [""]
        details = []
        for key, r in per_task.get(task, {}).items():
            details.append(f"- **{key}** ({r.verdict}): " + " | ".join(
                f"{p.name}: " + "; ".join(c.line() for c in p.conditions) for p in r.points))
        text += [f"### {task}: conditions behind each verdict", ""] + details + [""]
    return "\n".join(text)


# ------------------------------------------------------------------------------------- CLAIMS.md


def task_sources(datasets: dict[str, xr.Dataset]) -> list[str]:
    """``data/hclm_tasks-<key>.nc`` names of the parts present, for CLAIMS.md's source line."""
    return [f"data/{NAME}-{key}.nc" for key in sorted(datasets)]


def claims_section(datasets: dict[str, xr.Dataset], rows) -> str:
    """CLAIMS.md's generated section on the real tasks: how to read the per-task columns, how many
    verdicts are the same on every task, and the regulariser comparison table ('' without task data)."""
    per_task = task_claims(datasets)
    if not per_task:
        return ""
    vs = {r.key: {"synthetic": r.verdict, **{t: (per_task[t][r.key].verdict if r.key in per_task[t] else None)
                                             for t in per_task}} for r in rows}
    same = [k for k, v in vs.items() if None not in v.values() and len(set(v.values())) == 1]
    differ = [k for k in vs if k not in same]
    n_seeds = {t: int(datasets[t].sizes["trial"]) for t in per_task}
    text = ["## Across tasks (generated from data/hclm_tasks*.nc)", "",
            "The columns after 'previous report → now' are each row's verdict recomputed by `evaluate_claims` on the "
            "real-data tasks of experiments/hclm_tasks (" + ", ".join(f"{t}: {n_seeds[t]} seeds" for t in per_task)
            + "); the verdict column before them is the synthetic task's. " + TASKS_CRITERION, "",
            f"**Same verdict on every task:** {len(same)} of {len(vs)} rows ({', '.join(same) or 'none'}), of which "
            f"decided (supported or not supported everywhere): "
            f"{', '.join(k for k in same if vs[k]['synthetic'] != 'inconclusive') or 'none'}; "
            f"**different on at least one task:** {', '.join(differ) or 'none'}. A row inconclusive everywhere is "
            "undecided on every task, not confirmed.", ""]
    comps = regulariser_comparisons(datasets)
    if comps:
        text += ["## Regularisers beside the entropy term (generated from data/hclm_tasks*.nc)", "", REG_CRITERION, "",
                 comparison_table(comps), "",
                 "Figures and the per-task tables: [experiments/hclm_tasks/REPORT.md](../hclm_tasks/REPORT.md).", ""]
    return "\n".join(text)
