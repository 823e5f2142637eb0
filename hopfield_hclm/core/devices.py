"""Devices, dtypes and memory guards. Device and dtype are always arguments, never globals."""

from __future__ import annotations

import os

import torch

_DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}


class MemoryEstimateError(MemoryError):
    """A run was refused because its estimated memory exceeds what the device has."""


def resolve_device(device: str | torch.device = "cpu") -> torch.device:
    """Parse ``device`` ("cpu", "cuda", "cuda:1", a ``torch.device``); refuse a missing CUDA device."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was requested but CUDA is not available here; use device='cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) exist")
    elif dev.type != "cpu":
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}")
    return dev


def resolve_dtype(dtype: str | torch.dtype | None, *, default: torch.dtype = torch.float32) -> torch.dtype:
    """Parse ``dtype`` ("float32", "float64", a torch floating dtype or None for ``default``)."""
    if dtype is None:
        return default
    if isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise ValueError(f"dtype must be a floating-point dtype; got {dtype}")
        return dtype
    key = str(dtype).removeprefix("torch.")
    if key not in _DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(map(repr, _DTYPES))}; got {dtype!r}")
    return _DTYPES[key]


def available_memory(device: torch.device) -> int:
    """Bytes that a new allocation on ``device`` can use (free GPU memory, or MemAvailable on CPU)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))


def check_memory(estimate_bytes: int, device: torch.device, *, what: str = "this run", fraction: float = 0.9) -> None:
    """Refuse ``what`` if ``estimate_bytes`` exceeds ``fraction`` of the memory available on ``device``."""
    budget = int(fraction * available_memory(device))
    if estimate_bytes > budget:
        raise MemoryEstimateError(
            f"{what} needs an estimated {estimate_bytes / 2**30:.2f} GiB on {device}, "
            f"but only {budget / 2**30:.2f} GiB is available; reduce trials, neurons or patterns"
        )
