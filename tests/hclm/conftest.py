"""HCLM tests run single-threaded: the models are tiny, and on a shared 2-core machine torch's
intra-op threads only contend (measured: 10× slower with 2 threads under load)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
