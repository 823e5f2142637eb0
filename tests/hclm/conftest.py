"""HCLM tests run single-threaded: the models are tiny, and on a shared 2-core machine torch's
intra-op threads only contend (measured: 10× slower with 2 threads under load)."""

import pytest


@pytest.fixture(autouse=True)
def _single_threaded(one_torch_thread):
    """Every HCLM test runs on one torch thread (``one_torch_thread``, tests/conftest.py)."""
