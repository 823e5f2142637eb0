"""Shared fixtures: devices (CUDA skipped where absent), one torch thread, a non-interactive matplotlib backend."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
import torch

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]),
]


@pytest.fixture(params=DEVICES)
def device(request):
    """Every device the test should run on; CUDA is skipped cleanly where no GPU exists."""
    return request.param


@pytest.fixture
def one_torch_thread():
    """One torch intra-op thread for the test, the previous count restored after it. Test folders of tiny
    models make it autouse: on a shared 2-core machine torch's threads only contend (measured: 10x slower
    with 2 threads under load)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
