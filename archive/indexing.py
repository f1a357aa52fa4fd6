"""Keeping the search index level with the database. Every sampling document carries an
`indexed` mark, set only once an index commit holding it has succeeded; what is left unmarked
(an index write that failed or was interrupted, a result or EMS number not yet re-indexed) is
caught up from the database, and a rebuild marks everything it took."""
from __future__ import annotations

import logging
from array import array
from typing import Iterable, Iterator

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from archive.models import Document
from search.schema import IndexDoc

log = logging.getLogger(__name__)
BATCH = 2000
# Past this many documents to catch up, a rebuild is quicker than adding them one by one
# (adding looks up each document and its sampling; a rebuild only writes).
REBUILD_OVER = 20000


def index_records(s: Session, ids: Iterable[int] | None) -> Iterator[IndexDoc]:
    """What the index holds of each sampling document (all of them when `ids` is None)."""
    # task-level documents (lists, batch PDFs) are found from their task, not by search
    q = (select(Document).options(selectinload(Document.sampling))
         .where(Document.sampling_id.is_not(None)))
    if ids is not None:
        q = q.where(Document.id.in_(list(ids)))
    for d in s.scalars(q.execution_options(yield_per=BATCH)):
        r = d.sampling
        firm, maker = r.enterprise, r.maker  # as recorded at the visit
        kind = {"pdf": "PDF", "docx": "Word"}.get(d.format, d.format)
        yield IndexDoc(document_id=d.id, sample_no=r.sample_no, form=d.form,
                       title=f"{d.title}（{kind}{'，空白' if d.blank else ''}）",
                       firm=firm.name, credit_code=firm.credit_code,
                       manufacturer=maker.name if maker else "",
                       manufacturer_code=maker.credit_code if maker else "",
                       product=r.product_name, batch=r.batch, doc_no=d.doc_no,
                       notice_no=r.notice_no, report_no=r.report_no, ems_no=r.ems_no,
                       task=r.task.code, result=r.result,
                       date=(r.sampled_at.date() if r.sampled_at else r.trip_date),
                       version=d.version)


def mark_indexed(archive, ids) -> None:
    """Set the mark of documents whose index commit succeeded."""
    with archive.session() as s:
        for i in range(0, len(ids), 1000):
            s.execute(update(Document).where(Document.id.in_(list(ids[i:i + 1000])))
                      .values(indexed=True))


def unmark_indexed(session: Session, sampling_ids: Iterable[int]) -> None:
    """In the transaction that changes what a sampling's documents are found by (a result,
    an EMS number): until they are indexed again, the catch-up knows they are behind."""
    session.execute(update(Document).where(Document.sampling_id.in_(list(sampling_ids)))
                    .values(indexed=False))


def index_documents(archive, ids: list[int]) -> bool:
    """Index documents, then mark them. A failure is logged, not raised: the documents are
    archived whatever the index does, and stay unmarked for the catch-up."""
    try:
        index = archive.index
        with archive.session() as s:
            index.add(index_records(s, ids))
        mark_indexed(archive, ids)
        return True
    except Exception:
        log.warning("%d 个文书未能写入检索索引，下次生成文书或服务启动时自动补编", len(ids),
                    exc_info=True)
        return False


def catch_up(archive, *, compare: bool = False) -> int:
    """Index every sampling document left unmarked; with `compare`, also those the index
    lacks whatever their mark (say, its folder restored from an older copy). Raises when the
    index cannot be written. Returns how many were indexed."""
    index = archive.index  # a missing or damaged index is rebuilt first, which marks all
    docs = select(Document.id).where(Document.sampling_id.is_not(None))
    with archive.session() as s:
        ids = set(s.scalars(docs.where(Document.indexed.is_(False))))
        if compare:
            ids |= set(s.scalars(docs)) - index.document_ids()
    if len(ids) > REBUILD_OVER:  # after the upgrade that added the marks, say
        log.info("search index: %d documents to catch up, rebuilt instead", len(ids))
        archive.reindex()
        return len(ids)
    ids = sorted(ids)
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        with archive.session() as s:
            index.add(index_records(s, chunk))
        mark_indexed(archive, chunk)
    if ids:
        log.info("search index caught up with %d documents", len(ids))
    return len(ids)


def rebuild(archive, index) -> int:
    """Replace the index with every sampling document and mark those it took (not all rows:
    one committed during the rebuild is not in it)."""
    taken = array("q")  # 8 bytes a document

    def noted(docs: Iterable[IndexDoc]) -> Iterator[IndexDoc]:
        for d in docs:
            taken.append(d.document_id)
            yield d

    with archive.session() as s:
        count = index.rebuild(noted(index_records(s, None)))
    mark_indexed(archive, taken)
    return count
