"""The lab's report PDF: checked before it is stored or appended to a result packet."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

MAX_PAGES = 500


def inspect_report(source: Path | bytes, *, max_bytes: int) -> int:
    """The page count of a usable lab report, or ValueError saying why it cannot be used:
    not a PDF, damaged, encrypted, empty, too big."""
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise ValueError(f"检验报告文件无法读取：{exc.strerror}") from None
        if size > max_bytes:
            raise ValueError(f"检验报告文件过大（{size / 1048576:.1f} MB，上限 {max_bytes // 1048576} MB）")
        data = source.read_bytes()
    else:
        data = source
        if len(data) > max_bytes:
            raise ValueError(f"检验报告文件过大（{len(data) / 1048576:.1f} MB，上限 {max_bytes // 1048576} MB）")
    if not data.lstrip()[:5] == b"%PDF-":
        raise ValueError("检验报告应为 PDF 文件（文件开头不是 %PDF-）")
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise ValueError("检验报告 PDF 已加密，无法并入结果通知；请上传未加密的文件")
        pages = len(reader.pages)
        for page in reader.pages[:3]:  # a damaged page tree shows up when pages are read
            page.mediabox
    except ValueError:
        raise
    except (PdfReadError, PyPdfError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"检验报告 PDF 已损坏，无法读取（{type(exc).__name__}）") from None
    if pages == 0:
        raise ValueError("检验报告 PDF 没有任何页面")
    if pages > MAX_PAGES:
        raise ValueError(f"检验报告页数过多（{pages} 页，上限 {MAX_PAGES} 页）")
    return pages
