"""Number sequences allocated inside the caller's transaction, unique under concurrent use."""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.models import Counter


def next_value(session: Session, key: str) -> int:
    """Advance the counter `key` and return its new value (1 for a new counter).

    The UPDATE takes the row (PostgreSQL) or database (SQLite) write lock until the caller's
    transaction ends, so two processes can never receive the same number.
    """
    for _ in range(3):
        value = session.execute(update(Counter).where(Counter.key == key)
                                .values(value=Counter.value + 1)
                                .returning(Counter.value)).scalar()
        if value is not None:
            return value
        try:
            with session.begin_nested():
                session.execute(insert(Counter).values(key=key, value=1))
            return 1
        except IntegrityError:  # another writer created it first: take the UPDATE path again
            continue
    raise RuntimeError(f"could not allocate a number for {key}")


def peek(session: Session, key: str) -> int:
    return session.scalar(select(Counter.value).where(Counter.key == key)) or 0


def document_number(session: Session, year: int) -> str:
    """Archive number of a generated document: WS + year + 6-digit serial (文书档案号)."""
    return f"WS{year}{next_value(session, f'doc:{year}'):06d}"
