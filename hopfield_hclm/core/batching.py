"""Batch-invariant products: each trial's result is bit-identical whatever batch it runs in (DESIGN.md §6).

On CPU, ``torch.bmm`` of a batch of two or more runs one single-threaded GEMM per batch entry (inside a
parallel region over the batch), but a batch of one calls a multi-threaded GEMM whose blocking -- and
so whose rounding -- differs: with 2 threads, ``bmm`` of ``(1, 1, 400) @ (1, 400, P)`` differs in the
last bit from row 0 of the same product in a batch of 8. :func:`batch_invariant_bmm` runs a batch of
one single-threaded, so every batch size takes the same per-entry path.
"""

from __future__ import annotations

import torch


def batch_invariant_bmm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``torch.bmm(a, b)`` for ``a`` ``(batch, n, k)`` and ``b`` ``(batch, k, m)``, with each batch entry
    bit-identical to the same entry computed in a batch of any other size (CPU; elsewhere plain bmm)."""
    threads = torch.get_num_threads()
    if a.shape[0] != 1 or a.device.type != "cpu" or threads == 1:
        return torch.bmm(a, b)
    torch.set_num_threads(1)
    try:
        return torch.bmm(a, b)
    finally:
        torch.set_num_threads(threads)
