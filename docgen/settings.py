"""Rules that the sources do not settle (REFERENCE.md marks them unverified): settings, not constants.

Defaults are below; a TOML file (``--settings FILE`` or $SPOTCHECK_SETTINGS) overrides any of them.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from docgen.formatting import chinese_numeral


# Who keeps each copy. notice: 2012 national scheme; sampling_slip: food/cosmetics parallel
# (一式四联); seal_notice, refusal, no_sample, feedback: Hunan 2018 forms. payment_slip and
# authorization: no source found, our choice.
DEFAULT_COPIES: dict[str, dict] = {
    "notice": {"unit": "联", "holders": ["组织监督抽查部门留存", "寄送被抽样单位所在地省级市场监督管理部门",
                                         "交被抽样单位"]},
    "sampling_slip": {"unit": "联", "holders": ["报送组织监督抽查部门", "报送负责后处理的部门",
                                                "抽样单位留存", "交被抽样单位"]},
    "payment_slip": {"unit": "联", "holders": ["交被抽样单位", "抽样单位留存（报销凭证）"]},
    "seal_notice": {"unit": "份", "holders": ["被抽查企业留存", "承检单位留存"]},
    "refusal": {"unit": "份", "holders": ["报送下达任务部门", "报送负责后处理的部门", "抽样单位留存"]},
    "no_sample": {"unit": "份", "holders": ["报送下达任务部门", "报送负责后处理的部门", "抽样单位存档"]},
    "feedback": {"unit": "份", "holders": ["被抽样单位留存", "寄回组织监督抽查部门"]},
    "authorization": {"unit": "份", "holders": ["复印件，抽样人员随身携带"]},
    # Result mailing (our choice, no source found): the notice goes to the firm with a copy on
    # file; the 送达回证 travels with it and comes back signed; envelopes and labels are single.
    "result_notice": {"unit": "份", "holders": ["寄送被抽样单位", "组织监督抽查部门存档"]},
    "service_receipt": {"unit": "份", "holders": ["随文书寄送，签收后寄回"]},
    "envelope": {"unit": "份", "holders": [""]},
    "label_sheet": {"unit": "份", "holders": [""]},
}
ENVELOPE_SIZES = ("DL", "C5")
RESULT_SENDERS = ("agency", "institution")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Copy:
    label: str  # 第一联
    holder: str  # 组织监督抽查部门留存


@dataclass(frozen=True)
class Settings:
    min_samplers: int = 2
    # 机关代字〔年份〕序号号; serial is the number at the end of the sample number.
    notice_number: str = "{short_name}抽〔{year}〕{serial}号"
    objection_days: int = 15
    objection_counting: str = "calendar"  # or "working"; the start day is never counted
    holidays: tuple[str, ...] = ()  # ISO dates of public holidays (a deadline moves past them)
    extra_workdays: tuple[str, ...] = ()  # weekend days worked instead (调休)
    backup_hold: str = "3个月"  # Hunan 2018: keep a failed product's backup 3 months after the window
    invoice_within: str = "1个月"
    complaint_phone: str = ""  # empty: the organising agency's phone
    copies: dict = field(default_factory=lambda: DEFAULT_COPIES)
    # Fonts: "path" or "path#index" for a .ttc; empty means look in the usual system places.
    font_song: str = ""
    font_hei: str = ""
    font_fallbacks: tuple[str, ...] = ()
    photo_max_bytes: int = 30 * 1024 * 1024
    photo_max_pixels: int = 60_000_000
    photo_print_side: int = 1000  # longest side of a print copy: ~200 dpi at the printed size
    max_text_length: int = 2000
    lab_report_max_bytes: int = 50 * 1024 * 1024
    # Result mailing. The notice number takes {short_name} {year} {serial} {sample_no} {report_no}.
    result_notice_number: str = "{short_name}检〔{year}〕{serial}号"
    result_sender: str = "agency"  # who mails results and receives replies: agency / institution
    envelope_size: str = "DL"  # DL 220×110 mm or C5 229×162 mm
    # Address labels, in mm: common 14-up A4 stock (2 × 7 labels of 99.1 × 38.1 mm)
    label_columns: int = 2
    label_rows: int = 7
    label_width: float = 99.1
    label_height: float = 38.1
    label_margin_top: float = 15.15
    label_margin_left: float = 4.65
    label_gap_x: float = 2.5
    label_gap_y: float = 0.0
    # Imports: files larger or longer are refused before they are parsed; a file with more
    # problems than sheet_max_problems lists that many and counts the rest.
    sheet_max_bytes: int = 20 * 1024 * 1024
    sheet_max_rows: int = 20_000
    sheet_max_problems: int = 50
    zip_max_bytes: int = 1024 * 1024 * 1024  # sum of a ZIP upload's declared member sizes
    zip_max_ratio: int = 200  # uncompressed : compressed, per member (zip-bomb guard)
    # Sign-in: after login_max_failures wrong passwords within login_window_minutes, for one
    # account or from one address, sign-in answers 429 for login_lockout_minutes.
    login_max_failures: int = 10
    login_window_minutes: int = 15
    login_lockout_minutes: int = 15
    password_min_length: int = 10
    # A running job whose worker gave no sign of life for this long is marked 已中断.
    job_stale_seconds: int = 120
    # Hashes recorded by an interrupted write and used by no record are removed after this.
    pending_blob_minutes: int = 60

    def __post_init__(self):
        if self.envelope_size not in ENVELOPE_SIZES:
            raise SettingsError(f"envelope_size 应为 {'/'.join(ENVELOPE_SIZES)} 之一，"
                                f"实为 {self.envelope_size!r}")
        if self.result_sender not in RESULT_SENDERS:
            raise SettingsError(f"result_sender 应为 {'/'.join(RESULT_SENDERS)} 之一，"
                                f"实为 {self.result_sender!r}")
        if not (1 <= self.label_columns <= 4 and 1 <= self.label_rows <= 20):
            raise SettingsError("标签设置：label_columns 应为 1–4，label_rows 应为 1–20")
        right = (self.label_margin_left + self.label_columns * self.label_width
                 + (self.label_columns - 1) * self.label_gap_x)
        bottom = (self.label_margin_top + self.label_rows * self.label_height
                  + (self.label_rows - 1) * self.label_gap_y)
        if (min(self.label_width, self.label_height) <= 10 or right > 210 or bottom > 297
                or min(self.label_margin_top, self.label_margin_left, self.label_gap_x,
                       self.label_gap_y) < 0):
            raise SettingsError(f"标签设置超出 A4 纸（210×297 mm）：右边缘 {right:.1f} mm，"
                                f"下边缘 {bottom:.1f} mm")

    def calendar(self) -> tuple[frozenset, frozenset]:
        """(holidays, extra workdays) as dates, for docgen.deadlines."""
        from datetime import date

        try:
            return (frozenset(date.fromisoformat(d) for d in self.holidays),
                    frozenset(date.fromisoformat(d) for d in self.extra_workdays))
        except ValueError as exc:
            raise SettingsError(f"节假日设置中的日期无效：{exc}") from None

    def copies_for(self, form_code: str) -> tuple[str, list[Copy]]:
        """The copy unit (联/份) and the labelled copies of a form."""
        entry = self.copies.get(form_code) or {"unit": "份", "holders": [""]}
        unit = entry.get("unit", "联")
        holders = entry.get("holders") or [""]
        return unit, [Copy(f"第{chinese_numeral(i + 1)}{unit}" if len(holders) > 1 else "", h)
                      for i, h in enumerate(holders)]


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Defaults, overridden by the TOML file at `path` (or $SPOTCHECK_SETTINGS when path is None)."""
    path = path or os.environ.get("SPOTCHECK_SETTINGS")
    if not path:
        return Settings()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"无法读取设置文件 {path}：{exc}") from None
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"设置文件 {path} 含未知设置项：{', '.join(unknown)}")
    if "copies" in data:
        data["copies"] = {**DEFAULT_COPIES, **data["copies"]}
    for key in ("font_fallbacks", "holidays", "extra_workdays"):
        if key in data:
            data[key] = tuple(str(v) for v in data[key])
    return replace(Settings(), **data)
