"""Trusting the archive: `verify` re-hashes every stored file, `export` writes a firm's or a
sample's dossier as a ZIP whose SHA256SUMS file `sha256sum -c` can check."""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Blob, Document, Mailing, Photo, Sampling
from archive.store import FileStore, sha256_of


@dataclass(frozen=True)
class Finding:
    kind: str  # missing / altered / orphaned
    path: str  # relative to the store
    sha256: str
    detail: str
    used_by: tuple[str, ...] = ()  # document numbers or photo references


@dataclass
class VerifyReport:
    """What `verify` found; the CLI and the web only display it."""

    checked: int = 0
    bytes: int = 0
    findings: list[Finding] = field(default_factory=list)
    pending: int = 0  # hashes recorded by an interrupted run whose file may not exist yet

    @property
    def ok(self) -> bool:
        return not self.findings

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_json(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "bytes": self.bytes, "pending": self.pending,
                "missing": [asdict(f) for f in self.of("missing")],
                "altered": [asdict(f) for f in self.of("altered")],
                "orphaned": [asdict(f) for f in self.of("orphaned")]}


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


def verify(s: Session, store: FileStore) -> VerifyReport:
    report = VerifyReport()
    users = _users(s)
    known: dict[str, str] = dict(s.execute(select(Blob.sha256, Blob.state)).all())
    rel = lambda sha: store.path(sha).relative_to(store.root).as_posix()  # noqa: E731
    for sha, state in known.items():
        if state != "stored":
            report.pending += 1
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
    return report


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
