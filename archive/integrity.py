"""Trusting the archive: `verify` re-hashes every stored file and compares the search index
and the pending file records with the database; `export` writes a firm's or a sample's dossier
as a ZIP whose SHA256SUMS file `sha256sum -c` can check."""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.blobs import pending_state
from archive.models import Blob, Document, Mailing, Photo, Sampling
from archive.store import FileStore, sha256_of

EXAMPLES = 20  # document numbers or files named per drift; the count says how many in all


@dataclass(frozen=True)
class Finding:
    kind: str  # missing / altered / orphaned
    path: str  # relative to the store
    sha256: str
    detail: str
    used_by: tuple[str, ...] = ()  # document numbers or photo references


@dataclass(frozen=True)
class Drift:
    """Derived or bookkeeping state out of step with the records: the search index, pending
    file records. Nothing of a record is lost; `advice` says whether it is put right
    automatically or by a command (`needs_action`)."""

    kind: str  # see DRIFT
    count: int
    examples: tuple[str, ...]  # the first document numbers or file paths
    advice: str
    needs_action: bool = False


# kind → (what it is, what to do, whether someone must act)
_AUTO = "将在下次导入、生成文书或服务启动时自动"
_REINDEX = "请运行 python -m search reindex 重建检索索引"
DRIFT = {
    "index_rebuild": ("检索索引缺失或损坏",
                      "下次检索时将由数据库自动重建（也可运行 python -m search reindex）", False),
    "not_in_index": ("个文书不在检索索引中，检索不到", _REINDEX, True),
    "not_in_archive": ("个检索条目指向档案中没有的文书", _REINDEX, True),
    "unindexed": ("个文书尚未编入检索索引", "将在下次生成文书或服务启动时自动补编，无需处理", False),
    "pending_used": ("个文件已被记录使用，但仍标为待写入", _AUTO + "更正，无需处理", False),
    "pending_stale": ("个中断写入留下的文件未被任何记录使用", _AUTO + "清理，无需处理", False),
    "pending_fresh": ("个文件正在写入或刚被中断", "无需处理：写入完成即归档，久未使用将自动清理", False),
}

INDEX_DRIFT = ("index_rebuild", "not_in_index", "not_in_archive", "unindexed")


def _drift(kind: str, examples: list[str], count: int | None = None) -> Drift:
    what, advice, action = DRIFT[kind]
    count = len(examples) if count is None else count
    label = what if kind == "index_rebuild" else f"{count} {what}"
    return Drift(kind, count, tuple(examples[:EXAMPLES]), f"{label}：{advice}", action)


@dataclass
class VerifyReport:
    """What `verify` found; the CLI and the web only display it."""

    checked: int = 0
    bytes: int = 0
    findings: list[Finding] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every stored file present and unaltered, none unknown (drift aside)."""
        return not self.findings

    @property
    def needs_action(self) -> bool:
        """Some drift is put right only by a command."""
        return any(d.needs_action for d in self.drift)

    @property
    def index_in_step(self) -> bool:
        """The search index holds every sampling document, and nothing else."""
        return not any(d.kind in INDEX_DRIFT for d in self.drift)

    @property
    def pending(self) -> int:
        """Hashes still recorded as pending, whatever becomes of them."""
        return sum(d.count for d in self.drift if d.kind.startswith("pending_"))

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_json(self) -> dict:
        return {"ok": self.ok, "needs_action": self.needs_action, "checked": self.checked,
                "bytes": self.bytes, "pending": self.pending,
                "missing": [asdict(f) for f in self.of("missing")],
                "altered": [asdict(f) for f in self.of("altered")],
                "orphaned": [asdict(f) for f in self.of("orphaned")],
                "drift": [asdict(d) for d in self.drift]}


def _users(s: Session) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for doc_no, sha in s.execute(select(Document.doc_no, Document.sha256)):
        users.setdefault(sha, []).append(doc_no)
    for no, orig, copy in s.execute(select(Sampling.sample_no, Photo.original_sha256,
                                           Photo.print_sha256).join(Photo)):
        users.setdefault(orig, []).append(f"{no} 照片原件")
        users.setdefault(copy, []).append(f"{no} 照片打印件")
    for no, sha in s.execute(select(Sampling.sample_no, Sampling.lab_report_sha256)
                             .where(Sampling.lab_report_sha256.is_not(None))):
        users.setdefault(sha, []).append(f"{no} 检验报告")
    for no, ems, sha in s.execute(select(Sampling.sample_no, Mailing.ems_no, Mailing.tracking_sha256)
                                  .join(Mailing).where(Mailing.tracking_sha256.is_not(None))):
        users.setdefault(sha, []).append(f"{no} 邮件跟踪记录 {ems}")
    return users


def verify(s: Session, store: FileStore, *, index=None, pending_minutes: int = 60) -> VerifyReport:
    """Check every stored file (a pending one that a record uses counts as stored), then the
    pending records and, given the search index, the index against the documents."""
    report = VerifyReport()
    users = _users(s)
    known: dict[str, str] = dict(s.execute(select(Blob.sha256, Blob.state)).all())
    pending = pending_state(s, users, minutes=pending_minutes)
    rel = lambda sha: store.path(sha).relative_to(store.root).as_posix()  # noqa: E731
    for kind in ("pending_used", "pending_stale", "pending_fresh"):
        shas = getattr(pending, kind.removeprefix("pending_"))
        if shas:
            report.drift.append(_drift(kind, [rel(sha) for sha in shas[:EXAMPLES]], len(shas)))
    for sha, state in known.items():
        if state != "stored" and sha not in users:
            continue
        report.checked += 1
        path = store.path(sha)
        who = tuple(users.get(sha, ()))
        if not path.is_file():
            report.findings.append(Finding("missing", rel(sha), sha, "文件不存在", who))
            continue
        actual = store.hash_file(sha)
        report.bytes += path.stat().st_size
        if actual != sha:
            report.findings.append(Finding("altered", rel(sha), sha, f"内容已改变，现哈希 {actual[:16]}…", who))
    for name, path in store.iter_stored():
        inside = path.relative_to(store.root).as_posix()
        try:
            expected = store.path(name) == path
        except ValueError:
            expected = False
        if not expected or name not in known:
            report.findings.append(Finding("orphaned", inside, name if expected else "",
                                           "档案库中无记录的文件"))
    if index is not None:
        report.drift += index_drift(s, index)
    return report


def index_drift(s: Session, index) -> list[Drift]:
    """Sampling documents the search index lacks (marked indexed or not), entries it holds of
    documents the archive lacks; compared by document id."""
    docs = select(Document.id).where(Document.sampling_id.is_not(None))
    ids = set(s.scalars(docs))
    if not ids:
        return []
    if index.needs_rebuild:
        return [_drift("index_rebuild", _doc_nos(s, sorted(ids)), len(ids))]
    held = index.document_ids()
    unmarked = set(s.scalars(docs.where(Document.indexed.is_(False))))
    out = []
    for kind, found in (("not_in_index", ids - held - unmarked), ("unindexed", unmarked)):
        if found:
            out.append(_drift(kind, _doc_nos(s, sorted(found)[:EXAMPLES]), len(found)))
    extra = sorted(held - ids)
    if extra:
        out.append(_drift("not_in_archive", [str(i) for i in extra[:EXAMPLES]], len(extra)))
    return out


def _doc_nos(s: Session, ids: list[int]) -> list[str]:
    ids = ids[:EXAMPLES]
    return list(s.scalars(select(Document.doc_no).where(Document.id.in_(ids))
                          .order_by(Document.id)))


@dataclass
class ExportReport:
    path: Path
    files: int
    documents: int
    photos: int


def export_dossier(s: Session, store: FileStore, samplings: list[Sampling], out: Path,
                   title: str) -> ExportReport:
    """Every version of every document, and the original photos, of the samplings, with
    manifest.json and SHA256SUMS. A file whose bytes no longer match its hash is refused."""
    out = Path(out)
    entries: list[tuple[str, str]] = []  # (name in zip, sha)
    meta = []
    for r in samplings:
        docs = s.scalars(select(Document).where(Document.sampling_id == r.id)
                         .order_by(Document.form, Document.format, Document.blank, Document.version))
        for d in docs:
            stem, ext = d.filename.rsplit(".", 1)
            name = f"{r.sample_no}/{stem}{'-blank' if d.blank else ''}-v{d.version}.{ext}"
            entries.append((name, d.sha256))
            meta.append({"path": name, "doc_no": d.doc_no, "form": d.form, "format": d.format,
                         "version": d.version, "blank": d.blank, "sha256": d.sha256,
                         "supersedes": d.supersedes.doc_no if d.supersedes else None,
                         "created_at": d.created_at.isoformat(sep=" "), "created_by": d.created_by})
        for p in r.photos:
            name = f"{r.sample_no}/photos/{p.position + 1:02d}-original-{p.filename}"
            entries.append((name, p.original_sha256))
            meta.append({"path": name, "form": "photo_original", "caption": p.caption,
                         "sha256": p.original_sha256})
        if r.lab_report_sha256:
            name = f"{r.sample_no}/lab-report-{r.lab_report_filename or 'report.pdf'}"
            entries.append((name, r.lab_report_sha256))
            meta.append({"path": name, "form": "lab_report", "report_no": r.report_no,
                         "sha256": r.lab_report_sha256})
        for m in s.scalars(select(Mailing).where(Mailing.sampling_id == r.id).order_by(Mailing.id)):
            meta.append({"form": "mailing", "ems_no": m.ems_no, "posted_on": str(m.posted_on or ""),
                         "signed_on": str(m.signed_on or ""), "signed_by": m.signed_by,
                         "returned": m.returned})
            if m.tracking_sha256:
                name = f"{r.sample_no}/tracking-{m.ems_no}-{m.tracking_filename}"
                entries.append((name, m.tracking_sha256))
                meta[-1].update(path=name, sha256=m.tracking_sha256)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, sha in entries:
                try:
                    data = store.read(sha)
                except FileNotFoundError:  # the store's path is no business of the reader's
                    raise ValueError(f"档案文件缺失，无法导出：{name}；请运行完整性检查") from None
                if sha256_of(data) != sha:
                    raise ValueError(f"档案文件已被改动，拒绝导出：{name}（{sha}）")
                zf.writestr(name, data)
            zf.writestr("manifest.json", json.dumps({"title": title, "files": meta},
                                                    ensure_ascii=False, indent=2))
            zf.writestr("SHA256SUMS", "".join(f"{sha}  {name}\n" for name, sha in entries))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ExportReport(out, len(entries), sum(1 for m in meta if "doc_no" in m),
                        sum(1 for m in meta if m["form"] == "photo_original"))
