"""Engine and sessions; the schema is created and upgraded by Alembic migrations only."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers are never blocked by the one writer
    cur.execute("PRAGMA busy_timeout=30000")  # writers wait their turn instead of failing
    cur.close()


_engines: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    engine = _engines.get(url)
    if engine is None:
        engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        engine = _engines.setdefault(url, engine)
    return engine


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the database to the newest migration (creating it on first use)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = get_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


_factories: dict[str, sessionmaker[Session]] = {}
_first_use = threading.Lock()


def session_factory(url: str) -> sessionmaker[Session]:
    """Sessions for `url`; the first call upgrades the schema. Alembic's context is global
    and not thread-safe, so concurrent first requests wait for one upgrade."""
    factory = _factories.get(url)
    if factory is None:
        with _first_use:
            factory = _factories.get(url)
            if factory is None:
                upgrade(url)
                factory = _factories[url] = sessionmaker(get_engine(url), expire_on_commit=False)
    return factory


def forget(url: str) -> None:
    """Close the pooled connections to `url` and forget its migration, so the next session
    opens the file that is there now (after a restore, or a new database in place of one that
    was deleted): a connection kept open would go on reading the old, unlinked file."""
    with _first_use:
        _factories.pop(url, None)
        if url in _engines:
            _engines.pop(url).dispose()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
