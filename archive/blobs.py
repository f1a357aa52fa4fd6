"""Pending file records. A hash is recorded `pending` before its file is written and marked
`stored` in the transaction that adds the rows using it; a crash in between leaves a pending
row (and maybe a file) that no record uses. Settling puts that right: a pending hash that
some record uses is stored after all; one that no record uses and that is older than the age
limit is removed with its file, which never became part of the archive. A younger one is left
alone: a writer may be between its two steps."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from archive.models import Blob, Document, Mailing, Photo, Sampling
from archive.store import FileStore


def used(sha):
    """SQL: some document, photo (original or print copy), lab report or tracking record uses
    the hash `sha` (a column or a value)."""
    return or_(exists().where(Document.sha256 == sha),
               exists().where(Photo.original_sha256 == sha),
               exists().where(Photo.print_sha256 == sha),
               exists().where(Sampling.lab_report_sha256 == sha),
               exists().where(Mailing.tracking_sha256 == sha))




@dataclass(frozen=True)
class Settled:
    stored: int   # pending hashes a record uses, now marked stored
    removed: int  # pending hashes no record uses, past the age limit: row and file removed


def settle(s: Session, store: FileStore, *, minutes: int) -> Settled:
    """Settle the pending hashes (see the module docstring), in the caller's transaction.

    The first statement takes the database's write lock, so a writer staging the same hash
    meanwhile either refreshed its age first (and it stays) or waits until this commits and
    then writes its file again; files are removed before the commit for that reason.
    """
    pending = Blob.state == "pending"
    stored = s.execute(update(Blob).where(pending, used(Blob.sha256)).values(state="stored")
                       .execution_options(synchronize_session=False)).rowcount
    cutoff = datetime.now() - timedelta(minutes=minutes)  # the clock that stamps created_at
    gone = s.scalars(delete(Blob).where(pending, Blob.created_at < cutoff, ~used(Blob.sha256))
                     .returning(Blob.sha256).execution_options(synchronize_session=False)).all()
    for sha in gone:
        store.discard(sha)
    return Settled(stored, len(gone))


@dataclass(frozen=True)
class PendingState:
    used: tuple[str, ...]   # to be marked stored
    stale: tuple[str, ...]  # unused and past the age limit: to be removed
    fresh: tuple[str, ...]  # unused and younger: a writer may be finishing them


def pending_state(s: Session, users: dict[str, list[str]], *, minutes: int) -> PendingState:
    """What settling would do with each pending hash now (for verify, which changes nothing);
    `users` maps a hash to the records using it."""
    cutoff = datetime.now() - timedelta(minutes=minutes)  # the clock that stamps created_at
    out: dict[str, list[str]] = {"used": [], "stale": [], "fresh": []}
    for sha, created in s.execute(select(Blob.sha256, Blob.created_at)
                                  .where(Blob.state == "pending").order_by(Blob.sha256)):
        kind = "used" if sha in users else "stale" if created < cutoff else "fresh"
        out[kind].append(sha)
    return PendingState(**{k: tuple(v) for k, v in out.items()})
