"""The search command line: query the archive, rebuild the index."""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date

from archive.config import load_config
from archive.instance import check_instance, failure_line
from docgen.failures import stdout_closed
from archive.service import Archive

_TAGS = re.compile(r"</?b>")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 2023-03-15 格式：{text}") from None


def cmd_query(a: Archive, args) -> int:
    result = a.search(args.text, form=args.form, result=args.result, task=args.task,
                      date_from=args.date_from, date_to=args.date_to, page=args.page,
                      pagesize=args.pagesize)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"共 {result.total} 个抽样（{result.total_docs} 个文书），第 {result.page}/{max(result.pages, 1)} 页")
    for g in result.groups:
        print(f"\n{g.sample_no}　{g.firm}　{g.credit_code}")
        for h in g.hits:
            print(f"  {h.doc_no:<14} {h.title} v{h.version}　{_TAGS.sub('', h.snippet)}")
    return 0


def cmd_reindex(a: Archive, args) -> int:
    n = a.reindex()
    print(f"已重建索引：{n} 个文书。")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m search", description="检索抽查文书档案")
    sub = p.add_subparsers(dest="command", required=True)
    q = sub.add_parser("query", help="按企业名称片段、信用代码、抽样单/文书/批号/报告/EMS 编号检索")
    q.add_argument("text", help="检索词；多个词用空格分开表示同时满足")
    q.add_argument("--form", help="表单代码，如 notice")
    q.add_argument("--result", choices=("合格", "不合格"))
    q.add_argument("--task", help="任务编号")
    q.add_argument("--from", dest="date_from", type=_date, help="抽样日期起（含）")
    q.add_argument("--to", dest="date_to", type=_date, help="抽样日期止（含）")
    q.add_argument("--page", type=int, default=1)
    q.add_argument("--pagesize", type=int, default=20)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_query)
    r = sub.add_parser("reindex", help="由数据库重建检索索引")
    r.set_defaults(func=cmd_reindex)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config = load_config()
    try:
        check_instance(config)  # the index alone would answer from an emptied database's archive
        return args.func(Archive(config), args)
    except BrokenPipeError:
        return stdout_closed()
    except Exception as exc:  # the disk, the database, the instance: one line, else a bug
        line = failure_line(exc, config)
        if line is None:
            raise
        print(f"错误：{line}", file=sys.stderr)
        return 2
