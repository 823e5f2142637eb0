"""Real-data tasks for the HCLM study: scikit-learn's 8×8 digits and MNIST-1D, in an overfitting regime.

Both are 10-class problems loaded or generated offline (no network access at any point):

- ``"digits"``: the 1,797 8×8 handwritten digits bundled with scikit-learn
  (:func:`sklearn.datasets.load_digits`; UCI "Optical Recognition of Handwritten Digits", Alpaydin &
  Kaynak 1998), pixel values 0–16 scaled to [0, 1], flattened to 64 inputs. A fixed permutation
  (``numpy.random.default_rng(DIGITS_SPLIT_SEED)``) sets aside :data:`DIGITS_TEST_POOL` images as the
  held-out test set; training and feedback subsets are drawn per run from the other 1,000.
  *Shift variant:* the test images translated by one pixel up, down, left or right (direction drawn
  per image from a fixed generator, vacated pixels set to 0) — a nuisance the model never saw.
- ``"mnist1d"``: the MNIST-1D benchmark (Greydanus, "Scaling down deep learning", arXiv:2011.14439):
  10 one-dimensional digit templates padded, dilated, scaled, translated, corrupted by correlated and
  i.i.d. noise, sheared and resampled to 40 points; generated locally by its package
  (``mnist1d.data.make_dataset`` with the package's default arguments: 5,000 samples, seed 42,
  4,000/1,000 train/test split), cached as ``.npz`` under :func:`cache_dir`. The package seeds
  numpy's *global* generator; the global state is saved and restored around the call.
  Training and feedback subsets are drawn per run from the 4,000 training signals; the test set is the
  package's 1,000 test signals. *Shift variant:* the test signals plus i.i.d. Gaussian noise of
  standard deviation :data:`MNIST1D_SHIFT_NOISE` (the signals are standardised to unit variance).

Overfitting regime: the training subset is small (``n_train``; the study uses 256, i.e. about 26
examples per class) and the networks have a few thousand parameters, so the unregularised test loss
rises while the training loss falls. Every draw comes from numpy Generators on the CPU (DESIGN §6):
the training and feedback subsets from the run's data generator, the test set and its shift from
fixed generators, so every seed and every arm is evaluated on the same test and shifted test sets.

Tensors are :class:`~.tasks.TaskData` (float32, CPU): inputs ``(sample, input_dim)`` flattened, labels
``(sample,)`` holding the class index 0..9 as a float (the loss casts it back). The simulated rater
sees a binary decision: "the class is one of :data:`RATER_POSITIVE`" with probability ``Σ_{k ∈ C+} p_k``
(:func:`rater_view`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.validation import check_choice, check_int
from .tasks import TASKS, TaskData, TaskSpec

__all__ = [
    "REAL_TASKS",
    "RealTask",
    "TASK_SPECS",
    "cache_dir",
    "digits_pool",
    "make_real_task",
    "mnist1d_pool",
    "rater_view",
]

REAL_TASKS = ("digits", "mnist1d")

DIGITS_SPLIT_SEED = 20_240_613
DIGITS_TEST_POOL = 797
#: seed of the fixed generator that draws the shift variants (translation directions, noise)
SHIFT_SEED = 7_331
DIGITS_SHIFT_PIXELS = 1
MNIST1D_SHIFT_NOISE = 0.5
#: the rater's hidden positive event: the class is one of these
RATER_POSITIVE = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class RealTask:
    """What a task is: ``n_classes``, flattened ``input_dim``, the shape a CNN sees (``input_shape``),
    the size of the pool training/feedback subsets come from, the held-out test pool, the networks it
    supports (first = default) and a one-line description of its shift variant."""

    name: str
    n_classes: int
    input_dim: int
    input_shape: tuple[int, ...]
    train_pool: int
    test_pool: int
    networks: tuple[str, ...]
    shift: str


TASK_SPECS = {
    "digits": RealTask("digits", 10, 64, (8, 8), 1797 - DIGITS_TEST_POOL, DIGITS_TEST_POOL, ("cnn", "mlp"),
                       f"test images translated by {DIGITS_SHIFT_PIXELS} pixel in a random direction"),
    "mnist1d": RealTask("mnist1d", 10, 40, (40,), 4000, 1000, ("mlp", "cnn"),
                        f"test signals plus Gaussian noise of s.d. {MNIST1D_SHIFT_NOISE:g}"),
}


def cache_dir() -> Path:
    """Where generated data are cached: ``$HOPFIELD_HCLM_CACHE``, else ``$XDG_CACHE_HOME/hopfield_hclm``,
    else ``~/.cache/hopfield_hclm`` (never inside the repository)."""
    env = os.environ.get("HOPFIELD_HCLM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hopfield_hclm"


def digits_pool() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits: inputs ``(1797, 64)`` float64 in [0, 1] and labels ``(1797,)`` int64."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - scikit-learn is a dependency
        raise ImportError("task='digits' needs scikit-learn (pip install scikit-learn)") from exc
    d = load_digits()
    return np.asarray(d.data, dtype=np.float64) / 16.0, np.asarray(d.target, dtype=np.int64)


def _mnist1d_args(num_samples: int):
    from mnist1d.data import get_dataset_args

    args = get_dataset_args()
    args.num_samples = num_samples
    return args


def mnist1d_pool(*, num_samples: int = 5000, cache: bool = True) -> dict[str, np.ndarray]:
    """MNIST-1D from its package's generator: ``{"x": (n·0.8, 40), "y", "x_test": (n·0.2, 40), "y_test"}``.

    ``num_samples`` (a multiple of 10; 5,000 is the benchmark) is the only argument changed from the
    package defaults. The arrays are cached under :func:`cache_dir` keyed by the generator arguments
    and the package version; a damaged cache file is regenerated. Written atomically (temp + rename),
    so concurrent workers never read half a file.
    """
    num_samples = check_int("num_samples", num_samples, minimum=10)
    if num_samples % 10:
        raise ValueError(f"num_samples must be a multiple of 10 (equal classes); got {num_samples}")
    try:
        import mnist1d
        from mnist1d.data import make_dataset
    except ImportError as exc:  # pragma: no cover - mnist1d is a dependency
        raise ImportError("task='mnist1d' needs the mnist1d package (pip install mnist1d)") from exc
    args = _mnist1d_args(num_samples)
    key = {k: v for k, v in vars(args).items() if k != "url"}
    key["version"] = getattr(mnist1d, "__version__", "unknown")
    tag = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]
    path = cache_dir() / f"mnist1d-{tag}.npz"
    names = ("x", "y", "x_test", "y_test")
    if cache and path.exists():
        try:
            with np.load(path) as f:
                out = {k: np.array(f[k]) for k in names}
            if out["x"].shape[1] == args.final_seq_length and len(out["y"]) + len(out["y_test"]) == num_samples:
                return out
        except (OSError, KeyError, ValueError):
            pass
    state = np.random.get_state()
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(state)
    out = {k: np.asarray(data[k], dtype=np.float64 if k.startswith("x") else np.int64) for k in names}
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **out)
        os.replace(tmp, path)
    return out


def _translate(images: np.ndarray, shape: tuple[int, int], rng: np.random.Generator, pixels: int) -> np.ndarray:
    """Each flattened image moved by ``pixels`` in one of 4 directions (drawn per image), zero fill."""
    n = images.shape[0]
    img = images.reshape(n, *shape)
    out = np.zeros_like(img)
    direction = rng.integers(0, 4, n)
    p = pixels
    for d, (dy, dx) in enumerate(((-p, 0), (p, 0), (0, -p), (0, p))):
        sel = direction == d
        src = img[sel]
        moved = np.zeros_like(src)
        ys = slice(max(dy, 0), shape[0] + min(dy, 0))
        yd = slice(max(-dy, 0), shape[0] + min(-dy, 0))
        xs = slice(max(dx, 0), shape[1] + min(dx, 0))
        xd = slice(max(-dx, 0), shape[1] + min(-dx, 0))
        moved[:, yd, xd] = src[:, ys, xs]
        out[sel] = moved
    return out.reshape(n, -1)


def _tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def make_real_task(name: str, rng: np.random.Generator, *, n_train: int, n_feedback: int,
                   n_test: int | None = None, num_samples: int = 5000) -> TaskData:
    """Draw one run's :class:`~.tasks.TaskData` for task ``name`` ("digits" or "mnist1d").

    ``rng`` draws the training and feedback subsets (disjoint, from the task's training pool);
    ``n_test`` (None: the whole held-out pool) takes the first ``n_test`` of the fixed test pool, and
    the shifted test set is the same images/signals under the task's shift. ``num_samples`` is the
    MNIST-1D generator size (ignored for digits). ``ValueError`` naming the argument when the sizes
    do not fit the pools.
    """
    check_choice("task", name, REAL_TASKS)
    spec = TASK_SPECS[name]
    n_train = check_int("n_train", n_train, minimum=2)
    n_feedback = check_int("n_feedback", n_feedback, minimum=1)
    if name == "digits":
        x, y = digits_pool()
        perm = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(y))
        test_idx, pool_idx = perm[:DIGITS_TEST_POOL], perm[DIGITS_TEST_POOL:]
        x_pool, y_pool, x_te, y_te = x[pool_idx], y[pool_idx], x[test_idx], y[test_idx]
    else:
        d = mnist1d_pool(num_samples=num_samples)
        x_pool, y_pool, x_te, y_te = d["x"], d["y"], d["x_test"], d["y_test"]
    if n_train + n_feedback > len(y_pool):
        raise ValueError(f"n_train + n_feedback must be <= {len(y_pool)} (the {name} training pool); "
                         f"got {n_train} + {n_feedback}")
    if n_test is not None:
        n_test = check_int("n_test", n_test, minimum=1, maximum=len(y_te))
        x_te, y_te = x_te[:n_test], y_te[:n_test]
    order = rng.permutation(len(y_pool))
    tr, fb = order[:n_train], order[n_train:n_train + n_feedback]
    shift_rng = np.random.default_rng(SHIFT_SEED)
    if name == "digits":
        x_sh = _translate(x_te, spec.input_shape, shift_rng, DIGITS_SHIFT_PIXELS)
    else:
        x_sh = x_te + MNIST1D_SHIFT_NOISE * shift_rng.standard_normal(x_te.shape)
    return TaskData(_tensor(x_pool[tr]), _tensor(y_pool[tr]), _tensor(x_te), _tensor(y_te), _tensor(x_sh),
                    _tensor(y_te), _tensor(x_pool[fb]), _tensor(y_pool[fb]))


def rater_view(logits: torch.Tensor, y: torch.Tensor,
               positive: tuple[int, ...] = RATER_POSITIVE) -> tuple[torch.Tensor, torch.Tensor]:
    """The rater's binary view of a K-class prediction: ``(P(class ∈ C+), 1[y ∈ C+])``, both ``(sample,)``.

    ``logits (sample, K)``; ``P(class ∈ C+) = Σ_{k ∈ C+} softmax(logits)_k``.
    """
    prob = torch.softmax(logits, dim=-1)[:, list(positive)].sum(-1)
    pos = torch.zeros_like(y)
    for k in positive:
        pos = torch.where(y == k, torch.ones_like(y), pos)
    return prob, pos


# ------------------------------------------------------------------------- registration as run() tasks


def _make_data(name: str):
    def make(task, rng: np.random.Generator) -> TaskData:
        return make_real_task(name, rng, n_train=task.n_train, n_feedback=task.n_feedback, n_test=task.n_test)
    return make


def _build(name: str):
    from .networks import make_network

    def build(model, input_dim: int, rng: np.random.Generator, device, dtype):
        spec = TASK_SPECS[name]
        network = model.network or spec.networks[0]
        return make_network(network, input_shape=spec.input_shape, hidden=model.hidden, width=model.width,
                            n_out=spec.n_classes, rng=rng, device=device, dtype=dtype)
    return build


def _check(name: str):
    def check(task) -> None:
        spec = TASK_SPECS[name]
        if task.n_train + task.n_feedback > spec.train_pool:
            raise ValueError(f"n_train + n_feedback must be <= {spec.train_pool} for task={name!r} (its training "
                             f"pool); got {task.n_train} + {task.n_feedback}")
        if task.n_test > spec.test_pool:
            raise ValueError(f"n_test must be <= {spec.test_pool} for task={name!r} (its held-out test set); got "
                             f"{task.n_test} (the synthetic task's default is 2048: pass n_test={spec.test_pool} "
                             "for the whole test set)")
    return check


def check_network(task: str, network: str | None) -> None:
    """``ValueError`` naming ``network`` when the task cannot use it (the synthetic task has its own MLP)."""
    if network is None:
        return
    allowed = TASK_SPECS[task].networks if task in TASK_SPECS else ("mlp",)
    check_choice("network", network, allowed)


def n_classes(task: str) -> int:
    """Number of classes of a task: 2 (one Bernoulli logit) for the synthetic task."""
    return TASK_SPECS[task].n_classes if task in TASK_SPECS else 2


for _name in REAL_TASKS:
    TASKS[_name] = TaskSpec(_name, _make_data(_name), _build(_name), _check(_name),
                            f"{_name}: " + TASK_SPECS[_name].shift + " (hclm/real_tasks.py)")
