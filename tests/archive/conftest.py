from __future__ import annotations

import pytest

from archive.config import Config
from archive.service import Archive


@pytest.fixture
def make_archive(tmp_path, renderer):
    """An Archive on a fresh instance folder (SQLite, local store, index) under tmp_path."""

    def make(name: str = "inst") -> Archive:
        home = tmp_path / name
        return Archive(Config(home=home, database_url=f"sqlite:///{home / 'spotcheck.db'}",
                              actor="测试员"), renderer=renderer)

    return make


@pytest.fixture
def archive(make_archive):
    return make_archive()
