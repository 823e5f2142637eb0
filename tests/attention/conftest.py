import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def tiny():
    """A model small enough to train in a few seconds on one thread."""
    return dict(keys=16, values=4, noise=1, layers=1, heads=1, d_model=16, d_mlp=16, train_pairs=3, steps=120,
                epochs=2, batch=32, lr=1e-2, monitor_sequences=64)
