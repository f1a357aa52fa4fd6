"""The archive command line: import, generate, verify, export."""
from __future__ import annotations

import argparse
import json
import os
import sys
from functools import partial
from pathlib import Path

from archive.config import load_config
from archive.service import Archive, ArchiveError
from archive.spreadsheet import SheetError
from docgen.fonts import FontError
from docgen.loading import TripError
from docgen.packets import PacketError
from docgen.settings import SettingsError


def _progress(desc: str):
    from tqdm import tqdm

    return partial(tqdm, desc=desc, unit="户", file=sys.stderr, disable=None)


def cmd_import(a: Archive, args) -> int:
    r = a.import_file(Path(args.file), actor=a.config.actor, task_code=args.task)
    print(f"已导入 {args.file}：新增 {len(r.created)} 条，更新 {len(r.updated)} 条抽样记录，照片 {r.photos} 张。")
    return 0


def cmd_generate(a: Archive, args) -> int:
    r = a.generate(sample_no=args.sample, task_code=args.trip, blank=args.blank, jobs=args.jobs,
                   actor=a.config.actor, progress=_progress("生成并归档"))
    how = f"（续做第 {r.run_id} 次生成，已完成的 {r.skipped} 户跳过）" if r.resumed else ""
    print(f"已归档 {r.firms} 户、{r.documents} 个文件{how}。")
    return 0


def cmd_verify(a: Archive, args) -> int:
    report = a.verify(actor=a.config.actor)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"已校验 {report.checked} 个文件（{report.bytes / 1e6:.1f} MB）。"
              + (f"另有 {report.pending} 个中断任务留下的待写入记录，重新运行 generate 可完成。"
                 if report.pending else ""))
        if report.findings:
            names = {"missing": "缺失", "altered": "被改动", "orphaned": "无记录"}
            print(f"{'问题':<6}{'文件':<74}涉及文书")
            for f in report.findings:
                print(f"{names[f.kind]:<6}{f.path:<74}{'、'.join(f.used_by) or '-'}")
        else:
            print("未发现缺失、被改动或无记录的文件。")
    return 0 if report.ok else 1


def cmd_export(a: Archive, args) -> int:
    r = a.export(out=Path(args.out), actor=a.config.actor, credit_code=args.firm,
                 sample_no=args.sample)
    print(f"已导出 {r.path}：文书 {r.documents} 个，照片原件 {r.photos} 张（可用 sha256sum -c SHA256SUMS 校验）。")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m archive",
                                description="抽查文书档案（数据保存在 $SPOTCHECK_HOME，默认 ./instance）")
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("import", help="导入行程文件（JSON）或抽样记录表（.xlsx/.csv）")
    i.add_argument("file")
    i.add_argument("--task", help="CSV 或无“任务信息”表的工作簿所属的任务编号")
    i.set_defaults(func=cmd_import)
    g = sub.add_parser("generate", help="生成文书并归档")
    which = g.add_mutually_exclusive_group(required=True)
    which.add_argument("--sample", help="抽样单编号")
    which.add_argument("--trip", help="任务编号（该任务的全部抽样记录）")
    g.add_argument("--blank", action="store_true", help="抽样前空白文书")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    g.set_defaults(func=cmd_generate)
    v = sub.add_parser("verify", help="重新计算全部档案文件的哈希，报告缺失、被改动和无记录的文件")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)
    e = sub.add_parser("export", help="导出企业或抽样的档案 ZIP（含校验清单）")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--firm", help="统一社会信用代码")
    which.add_argument("--sample", help="抽样单编号")
    e.add_argument("--out", required=True)
    e.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(Archive(load_config()), args)
    except (TripError, SheetError) as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except (ArchiveError, FontError, PacketError, SettingsError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断；已归档的部分保持一致，重新运行同一命令可继续。", file=sys.stderr)
        return 130
