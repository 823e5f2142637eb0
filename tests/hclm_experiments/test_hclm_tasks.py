"""The hclm_tasks study at toy size through the sweep engine and its report, plus planted-data checks of the
regulariser comparison and the across-task line (the full study's code path, a few seconds)."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.reports import hclm_tasks as ht

TINY = ('task = "mnist1d"\nnetwork = "mlp"\nn_train = 32\nn_feedback = 32\nn_test = 64\nbatch_size = 16\n'
        'hidden = 16\nwidth = 8\nfisher_samples = 4\nmeasure_entropy_change = false\n')
CONFIGS = {
    "config.mnist1d.toml": f'kind = "hclm"\ntitle = "tasks"\ntrials = 2\n[base]\nepochs = 6\nrecord_steps = true\n{TINY}'
    '[axes]\nsurrogate = ["softmax", "variance", "logdet"]\nregime = ["fixed", "rl"]\n'
    'coef = [0.0, 0.1]\n',
    "config.reg_sam_mnist1d.toml": f'kind = "hclm"\ntitle = "sam"\ntrials = 2\n[base]\nepochs = 6\n{TINY}'
    'surrogate = "logdet"\nregime = "fixed"\nregularizer = "sam"\n[axes]\nregularizer_strength = [0.05]\n'
    'coef = [0.0, 0.01]\n',
}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from hopfield_hclm.reports.builder import build_report

    root = tmp_path_factory.mktemp("tasks")
    folder = root / "experiments" / ht.NAME
    folder.mkdir(parents=True)
    for name, text in CONFIGS.items():
        (folder / name).write_text(text)
    (root / "data").mkdir()
    path = build_report(ht.NAME, root=str(root), executor="serial")
    return root, path


def test_study_runs_and_exports_small_files(study):
    root, path = study
    ds = xr.load_dataset(root / "data" / "hclm_tasks-mnist1d.nc", engine="h5netcdf")
    assert dict(ds.sizes)["trial"] == 2 and ds.sizes["step"] == 6 * 2    # first DYN_EPOCHS (all 6) epochs kept
    assert set(ds.data_vars) <= set(ht.KEEP) | {"completed"}
    assert ds.test_loss.dtype == np.float32
    assert np.isfinite(ds.val_loss).all()
    reg = xr.load_dataset(root / "data" / "hclm_tasks-reg_sam_mnist1d.nc", engine="h5netcdf")
    assert list(reg.regularizer_strength.values) == [0.05]
    text = Path(path).read_text()
    assert text.startswith("# HCLM beyond one synthetic task")       # the experiment's title, not its first part's
    for piece in ("## Criterion", "## Verdicts per task", "## Regularisers beside the entropy term",
                  "regularisers_mnist1d.png", "same across tasks?", "A1"):
        assert piece in text, piece


def test_task_claims_use_the_same_evaluator(study):
    root, _ = study
    ds = {"mnist1d": xr.load_dataset(root / "data" / "hclm_tasks-mnist1d.nc", engine="h5netcdf")}
    rows = ht.task_claims(ds)["mnist1d"]
    assert {"A1", "A2", "B1", "E1", "E6"} <= set(rows)
    assert rows["E6"].verdict == "supported"          # the RL-thermostat clips λ by construction
    regimes, dyn = ht.task_views(ds["mnist1d"])
    assert "step" not in regimes.dims and list(dyn.coef.values) == [0.0, 0.1]


def _planted(test_e, test_r, test_c, val_e=(1.0,), val_r=(1.0,)):
    """Datasets whose final test losses are planted: entropy arm, r alone, r combined (seeds on trial)."""
    n = len(test_e)
    ep = np.arange(1, 7)

    def series(values):
        v = np.asarray(values, dtype=float)
        return np.broadcast_to(v[:, None], (n, ep.size)).copy()

    def block(test, val):
        return dict(test_loss=series(test), gen_gap=series(np.asarray(test) - 0.1), val_loss=series(val * n if len(val) == 1 else val),
                    test_loss_shift=series(np.asarray(test) + 1))

    coefs = [0.0] + list(ht.ENTROPY_GRID)
    task = {}
    for name in ("test_loss", "gen_gap", "val_loss", "test_loss_shift"):
        arr = np.zeros((1, 1, len(coefs), n, ep.size))
        for i, c in enumerate(coefs):
            b = block([x + 5 for x in test_e] if c != 0.01 else test_e, (5.0,) if c != 0.01 else (0.5,))
            if c == 0.0:
                b = block([3.0] * n, (3.0,))
            arr[0, 0, i] = b[name]
        task[name] = (("surrogate", "regime", "coef", "trial", "epoch"), arr)
    tds = xr.Dataset(task, coords=dict(surrogate=["logdet"], regime=["fixed"], coef=coefs, trial=np.arange(n), epoch=ep))
    reg = {}
    for name in ("test_loss", "gen_gap", "val_loss", "test_loss_shift"):
        arr = np.zeros((2, 2, n, ep.size))
        for j, s in enumerate((0.1, 0.2)):
            good = j == 1
            arr[j, 0] = block(test_r if good else [x + 5 for x in test_r], (0.5,) if good else (5.0,))[name]
            arr[j, 1] = block(test_c if good else [x + 5 for x in test_c], (0.5,) if good else (5.0,))[name]
        reg[name] = (("regularizer_strength", "coef", "trial", "epoch"), arr)
    rds = xr.Dataset(reg, coords=dict(regularizer_strength=[0.1, 0.2], coef=[0.0, ht.COMBINED_COEF], trial=np.arange(n),
                                      epoch=ep))
    return {"mnist1d": tds, "reg_dropout_mnist1d": rds}


def test_comparison_selects_on_validation_and_reads_the_paired_interval():
    comps = ht.regulariser_comparisons(_planted(test_e=[1.0, 1.1, 0.9], test_r=[2.0, 2.1, 1.95],
                                                test_c=[1.5, 1.6, 1.45]))
    (c,) = comps
    assert c.entropy.label == "λ = 0.01" and c.alone.label == "0.2" and c.combined.label.startswith("0.2")
    assert c.entropy_words == ("entropy better", "entropy better")
    assert c.add_words == ("adds", "adds")
    comps = ht.regulariser_comparisons(_planted(test_e=[2.5, 2.6, 2.45], test_r=[2.0, 2.1, 1.95],
                                                test_c=[2.0, 2.3, 1.8]))
    assert comps[0].entropy_words[0] == "r better" and comps[0].add_words[0] == "no detectable effect"


def test_across_tasks_line():
    assert ht.across_tasks({"synthetic": "supported", "digits": "supported"}) == "same on all 2 tasks: supported"
    line = ht.across_tasks({"synthetic": "supported", "digits": "inconclusive", "mnist1d": None})
    assert line == "differs: synthetic supported; digits inconclusive (not evaluated on mnist1d)"


def test_claims_markdown_gains_a_column_per_task_and_an_across_task_line(study):
    from hopfield_hclm.reports.claims import claims_markdown, evaluate_claims

    root, _ = study
    ds = {"mnist1d": xr.load_dataset(root / "data" / "hclm_tasks-mnist1d.nc", engine="h5netcdf")}
    regimes, dyn = ht.task_views(ds["mnist1d"])
    rows = evaluate_claims(regimes, dyn)              # stands in for the synthetic rows
    per_task = ht.task_claims(ds)
    header, cells = ht.claims_columns(rows, per_task)
    assert header == ["mnist1d verdict", "same across tasks?"]
    assert all(cells[r.key][1].startswith("same on all 2 tasks") for r in rows)   # identical data -> same verdicts
    text = claims_markdown(rows, sources=["x"], columns=(header, cells))
    table = [line for line in text.splitlines() if line.startswith("| A1 |")][0]
    assert table.count("|") == 10 and "verdict (synthetic task)" in text and "- across tasks: mnist1d verdict" in text
    assert "Same verdict on every task:" in ht.claims_section(ds, rows)
