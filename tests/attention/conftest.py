from types import MappingProxyType

import pytest


@pytest.fixture(autouse=True)
def _single_threaded(one_torch_thread):
    """Every attention test runs on one torch thread (``one_torch_thread``, tests/conftest.py)."""


@pytest.fixture(scope="session")
def tiny():
    """A model small enough to train in a few seconds on one thread (read-only; ``{**tiny, ...}`` to vary it)."""
    return MappingProxyType(dict(keys=16, values=4, noise=1, layers=1, heads=1, d_model=16, d_mlp=16, train_pairs=3,
                                 steps=120, epochs=2, batch=32, lr=1e-2, monitor_sequences=64))
