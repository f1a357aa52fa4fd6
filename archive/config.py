"""Where an instance keeps its data: everything under $SPOTCHECK_HOME (default ./instance)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    actor: str  # who the audit log names for command-line work

    @property
    def store_dir(self) -> Path:
        return self.home / "store"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def settings_file(self) -> Path:
        return self.home / "settings.toml"


def load_config(home: str | os.PathLike | None = None) -> Config:
    """SPOTCHECK_HOME names the instance folder; SPOTCHECK_DATABASE_URL any SQLAlchemy URL
    (default: a SQLite file in the instance folder)."""
    home = Path(home or os.environ.get("SPOTCHECK_HOME") or "instance").resolve()
    url = os.environ.get("SPOTCHECK_DATABASE_URL") or f"sqlite:///{home / 'spotcheck.db'}"
    actor = os.environ.get("SPOTCHECK_ACTOR") or os.environ.get("USER") or "cli"
    return Config(home=home, database_url=url, actor=actor)
