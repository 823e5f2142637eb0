"""Fixtures of the CLI tests: tiny sweep configs."""

import pytest

TOY = """
kind = "tests.sweep.toy_kind:KIND"
title = "toy sweep"
seed = 1
trials = 2
[base]
length = 4
[axes]
scale = [1.0, 2.0]
"""

MEMORY = """
kind = "memory"
title = "tiny memory sweep"
seed = 0
trials = 4
[base]
model = "hopfield"
units = "binary"
update = "sync"
neurons = 120
steps = 6
[axes]
cue_overlap = [0.4, 0.8]
load = [0.05, 0.3]
"""


@pytest.fixture
def toy_cfg(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(TOY)
    return path


@pytest.fixture
def memory_cfg(tmp_path):
    path = tmp_path / "memory.toml"
    path.write_text(MEMORY)
    return path
