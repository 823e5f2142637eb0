"""Fixtures of the sweep tests: small toy configs written to temporary folders."""

from __future__ import annotations

import pytest

TOY_CONFIG = """
kind = "tests.sweep.toy_kind:KIND"
title = "toy sweep"
seed = 7
trials = 3
[base]
length = 6
{extra_base}
[axes]
scale = [0.5, 1.0, 2.0]
offset = {{ start = 0.0, stop = 0.2, step = 0.1 }}
"""


def write_toy_config(tmp_path, name="toy.toml", **base):
    extra = "\n".join(f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in base.items())
    path = tmp_path / name
    path.write_text(TOY_CONFIG.format(extra_base=extra))
    return path


@pytest.fixture
def toy_config():
    """``toy_config(tmp_path, name=..., **base)`` writes a 3 x 3 toy sweep config and returns its path."""
    return write_toy_config
