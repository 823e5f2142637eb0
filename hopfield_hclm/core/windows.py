"""Windows of a labelled series, selected by coordinate value, never by position.

A report's "last 5 epochs" are the records whose ``epoch`` label lies in ``[last − 5 + 1, last]``,
``last`` the largest label, and "steps 81–160" are the records labelled 81..160, whatever order the
records are stored in and whichever records are missing (a run that was truncated or exported
without its first steps keeps its windows). Widths count coordinate units, so on an integer-labelled
dim (epoch, step) a window of width ``w`` holds at most ``w`` records.

Shapes: ``da`` is any :class:`xarray.DataArray` or :class:`xarray.Dataset` with the dim ``dim`` and a
numeric coordinate of that name; the result keeps ``dim`` (with the selected labels only), except
:func:`at_first` / :func:`at_last`, which drop it.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["at_first", "at_last", "between", "first_label", "head", "last_label", "span", "tail"]


def _coord(da, dim: str):
    if not isinstance(dim, str) or dim not in da.dims:
        raise ValueError(f"dim must be one of the dims {tuple(da.dims)}; got {dim!r}")
    if dim not in da.coords or not np.issubdtype(da[dim].dtype, np.number):
        raise ValueError(f"dim {dim!r} needs a numeric coordinate to select windows by value")
    if da.sizes[dim] == 0:
        raise ValueError(f"dim {dim!r} is empty")
    return da[dim]


def _width(width) -> float:
    if isinstance(width, bool) or not isinstance(width, numbers.Real) or not np.isfinite(width) or width <= 0:
        raise ValueError(f"width must be a positive number of coordinate units; got {width!r}")
    return width


def first_label(da, dim: str):
    """The smallest label of ``dim`` (a Python scalar)."""
    return _coord(da, dim).min().item()


def last_label(da, dim: str):
    """The largest label of ``dim`` (a Python scalar)."""
    return _coord(da, dim).max().item()


def span(da, dim: str) -> int:
    """Labels covered by an integer-labelled ``dim``: ``last − first + 1`` (its length when none is missing)."""
    return int(last_label(da, dim) - first_label(da, dim) + 1)


def between(da, dim: str, start=None, stop=None):
    """The records with ``start ≤ label ≤ stop`` (either bound may be None: open).

    On a sorted coordinate this is a label slice (a view: reductions over it add in the same order
    as over the stored records); otherwise the matching labels are picked in stored order.
    """
    c = _coord(da, dim)
    if da.indexes[dim].is_monotonic_increasing:
        return da.sel({dim: slice(start, stop)})
    keep = np.ones(c.shape, dtype=bool)
    if start is not None:
        keep &= (c >= start).values
    if stop is not None:
        keep &= (c <= stop).values
    return da.sel({dim: c.values[keep]})


def tail(da, dim: str, width):
    """The last ``width`` coordinate units: labels in ``[last − width + 1, last]`` (integer labels)."""
    last = last_label(da, dim)
    return between(da, dim, last - _width(width) + 1, last)


def head(da, dim: str, width):
    """The first ``width`` coordinate units: labels in ``[first, first + width − 1]`` (integer labels)."""
    first = first_label(da, dim)
    return between(da, dim, first, first + _width(width) - 1)


def at_last(da, dim: str):
    """The record at the largest label of ``dim`` (dim dropped)."""
    return da.sel({dim: last_label(da, dim)})


def at_first(da, dim: str):
    """The record at the smallest label of ``dim`` (dim dropped)."""
    return da.sel({dim: first_label(da, dim)})
