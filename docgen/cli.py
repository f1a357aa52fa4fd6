"""The docgen command line: packet, results, lists, render, forms, templates."""
from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from docgen.failures import os_error_line
from docgen.fonts import FontError
from docgen.formatting import copies_phrase
from docgen.labreports import inspect_report
from docgen.loading import TripError, load_trip
from docgen.packets import PacketError, build_packet, write_file
from docgen.photos import PhotoLimits, inspect_photo
from docgen.render import DEFAULT_TEMPLATES, Renderer
from docgen.settings import Settings, SettingsError, load_settings
from docgen.specs import FORMS, UnknownForm, get_form


def _progress(total: int, desc: str):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is in requirements.txt
        return lambda it: it
    return partial(tqdm, total=total, desc=desc, unit="户", file=sys.stderr, disable=None)


def _load(args, settings: Settings, renderer: Renderer):
    limits = PhotoLimits(settings.photo_max_bytes, settings.photo_max_pixels)
    return load_trip(Path(args.trip), blank=args.blank, settings=settings,
                     check_text=renderer.fonts.missing,
                     check_photo=None if args.blank else (lambda p: inspect_photo(p, limits)),
                     check_report=partial(inspect_report, max_bytes=settings.lab_report_max_bytes))


def cmd_packet(args, settings: Settings) -> int:
    renderer = Renderer(settings)
    trip = _load(args, settings, renderer)
    entries = build_packet(trip, Path(args.out), blank=args.blank, jobs=args.jobs,
                           renderer=renderer, overwrite=args.overwrite,
                           progress=_progress(len(trip.samplings), "生成文书"))
    pages = next(e.pages for e in entries if e.form == "trip")
    print(f"已生成 {len(trip.samplings)} 户、{len(entries)} 个文件（trip.pdf 共 {pages} 页）："
          f"{Path(args.out).resolve()}")
    return 0


def _load_with_results(args, settings: Settings, renderer: Renderer):
    """The trip file, with the results file (--results) put on its samplings."""
    from docgen.results import load_results

    args.blank = False
    trip = _load(args, settings, renderer)
    if args.results:
        trip = load_results(trip, Path(args.results), settings=settings,
                            check_text=renderer.fonts.missing,
                            check_report=partial(inspect_report,
                                                 max_bytes=settings.lab_report_max_bytes))
    return trip


def cmd_results(args, settings: Settings) -> int:
    from docgen.results import build_results

    renderer = Renderer(settings)
    trip = _load_with_results(args, settings, renderer)
    entries = build_results(trip, Path(args.out), sample_nos=args.sample or None,
                            mailer=args.mailer, renderer=renderer, overwrite=args.overwrite,
                            progress=_progress(len(args.sample or trip.samplings), "结果通知"))
    batch = next(e for e in entries if e.form == "result_batch")
    firms = len({e.sample_no for e in entries if e.sample_no})
    print(f"已生成 {firms} 户的检验结果通知、{len(entries)} 个文件（results.pdf 共 {batch.pages} 页）："
          f"{Path(args.out).resolve()}")
    return 0


def cmd_lists(args, settings: Settings) -> int:
    from docgen.lists import write_lists

    trip = _load_with_results(args, settings, Renderer(settings))
    out = Path(args.out)
    for path in write_lists(trip, out):
        print(path)
    return 0


def cmd_render(args, settings: Settings) -> int:
    renderer = Renderer(settings)
    spec = get_form(args.form)
    trip = _load(args, settings, renderer)
    try:
        sampling = trip.sampling(args.sample)
    except KeyError:
        print(f"错误：行程文件中没有抽样单编号 {args.sample}", file=sys.stderr)
        return 2
    if args.format == "pdf":
        data, _ = renderer.write_pdf(renderer.pdf_parts(spec.code, trip, sampling, args.blank),
                                     title=f"{spec.title}（{sampling.sample_no}）",
                                     author=trip.agency.name)
    else:
        data = renderer.docx(spec.code, trip, sampling, args.blank)
    target = write_file(Path(args.out) / f"{sampling.sample_no}-{spec.code}.{args.format}", data)
    print(target)
    return 0


def cmd_forms(args, settings: Settings) -> int:
    for code, spec in FORMS.items():
        unit, copies = settings.copies_for(code)
        count = copies_phrase(len(copies), unit) if len(copies) > 1 else "一份"
        print(f"{code:<16}{spec.title}{spec.subtitle}　{count}")
    return 0


def cmd_templates(args, settings: Settings) -> int:
    from docgen.wordbuild import build_template, template_drift
    target = Path(args.dir)
    if args.check:
        stale = [code for code, spec in FORMS.items() if template_drift(spec, target / f"{code}.docx")]
        for code in stale:
            print(f"{target / (code + '.docx')} 与表单定义不一致；请运行 python -m docgen templates",
                  file=sys.stderr)
        return 1 if stale else 0
    target.mkdir(parents=True, exist_ok=True)
    for code, spec in FORMS.items():
        build_template(spec).save(target / f"{code}.docx")
        print(target / f"{code}.docx")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m docgen", description="产品质量监督抽查文书生成")
    p.add_argument("--settings", help="TOML 设置文件（默认读取环境变量 SPOTCHECK_SETTINGS）")
    sub = p.add_subparsers(dest="command", required=True)

    pk = sub.add_parser("packet", help="生成整个行程的文书包")
    pk.add_argument("trip", help="行程文件（JSON）")
    pk.add_argument("--out", required=True, help="输出目录（须不存在或为空）")
    pk.add_argument("--blank", action="store_true", help="抽样前空白文书：只填表头，现场内容留空")
    pk.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="并行进程数（默认：CPU 核数）")
    pk.add_argument("--overwrite", action="store_true", help="替换已存在的输出目录")
    pk.set_defaults(func=cmd_packet)

    r = sub.add_parser("render", help="生成单个表单")
    r.add_argument("form", help="表单代码（见 forms 命令）")
    r.add_argument("trip")
    r.add_argument("--sample", required=True, help="抽样单编号")
    r.add_argument("--format", choices=("pdf", "docx"), default="pdf")
    r.add_argument("--out", required=True)
    r.add_argument("--blank", action="store_true")
    r.set_defaults(func=cmd_render)

    rs = sub.add_parser("results", help="生成检验结果通知（结果通知书、检验报告、送达回证、信封或标签）")
    rs.add_argument("trip", help="行程文件（JSON）")
    rs.add_argument("--results", help="检验结果文件（JSON：{抽样单编号: 检验结果}）；不给则用行程文件中的 result")
    rs.add_argument("--out", required=True, help="输出目录（须不存在或为空）")
    rs.add_argument("--sample", action="append", help="只生成这些抽样单编号（可重复）；默认：全部有结果的样品")
    rs.add_argument("--mailer", choices=("envelope", "labels", "none"), default="envelope",
                    help="信封（默认，尺寸见设置 envelope_size）、A4 地址标签，或不生成")
    rs.add_argument("--overwrite", action="store_true", help="替换已存在的输出目录")
    rs.set_defaults(func=cmd_results)

    ls = sub.add_parser("lists", help="生成合格/不合格产品企业名单、检验情况汇总表和公开信息表（.docx/.pdf/.xlsx）")
    ls.add_argument("trip", help="行程文件（JSON）")
    ls.add_argument("--results", help="检验结果文件（JSON）")
    ls.add_argument("--out", required=True, help="输出目录")
    ls.set_defaults(func=cmd_lists)

    f = sub.add_parser("forms", help="列出表单代码和名称")
    f.set_defaults(func=cmd_forms)

    t = sub.add_parser("templates", help="由表单定义重新生成 Word 模板")
    t.add_argument("--dir", default=str(DEFAULT_TEMPLATES))
    t.add_argument("--check", action="store_true", help="只检查模板是否与表单定义一致")
    t.set_defaults(func=cmd_templates)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings(args.settings)
        return args.func(args, settings)
    except TripError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except (UnknownForm, SettingsError, FontError, PacketError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断，未留下不完整的输出。", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, read-only, a missing file: one line, no temporary path
        out = getattr(args, "out", None) or getattr(args, "dir", None)
        label = f"输出目录 {out}" if out else ""
        print(f"错误：{os_error_line(exc, {Path(out): label} if out else {}, fallback=label)}",
              file=sys.stderr)
        return 2
