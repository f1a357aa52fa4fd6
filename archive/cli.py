"""The archive command line: import, generate, verify, export, results, lists, mail."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy import select

from archive.backup import BackupError
from archive.config import load_config
from archive.instance import failure_line
from archive.models import Sampling
from archive.service import Archive, ArchiveError
from archive.spreadsheet import SheetError
from docgen.failures import stdout_closed
from docgen.fonts import FontError
from docgen.loading import TripError
from docgen.records import OUTCOME_NAMES
from docgen.packets import PacketError, write_file
from docgen.settings import SettingsError
from docgen.word import TemplateProblem


def _progress(desc: str):
    from tqdm import tqdm

    return partial(tqdm, desc=desc, unit="户", file=sys.stderr, disable=None)


def cmd_import(a: Archive, args) -> int:
    r = a.import_file(Path(args.file), actor=a.config.actor, task_code=args.task,
                      update_register=args.update_register)
    print(f"已导入 {args.file}：新增 {len(r.created)} 条，更新 {len(r.updated)} 条，"
          f"未变 {len(r.unchanged)} 条抽样记录，照片 {r.photos} 张。")
    if r.register_differences:
        print(f"以下 {len(r.register_differences)} 家企业的信息与企业名录不同，名录未更新"
              "（抽样记录按文件所填保存；确认后可加 --update-register 重新导入以更新名录）：")
        for d in r.register_differences:
            print(f"  {d.credit_code} {d.name}：{d.describe()}")
    return 0


def cmd_generate(a: Archive, args) -> int:
    r = a.generate(sample_no=args.sample, task_code=args.trip, blank=args.blank, jobs=args.jobs,
                   actor=a.config.actor, progress=_progress("生成并归档"))
    how = f"（续做第 {r.run_id} 次生成，已完成的 {r.skipped} 户跳过）" if r.resumed else ""
    same = f"；{r.unchanged} 个文件与已归档的最新版本相同，未新增版本" if r.unchanged else ""
    print(f"已归档 {r.firms} 户、{r.documents} 个新文件{same}{how}。")
    return 0


def cmd_verify(a: Archive, args) -> int:
    report = a.verify(actor=a.config.actor)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_verify(report)
    return 0 if report.ok and not report.needs_action else 1


def _print_verify(report) -> None:
    print(f"已校验 {report.checked} 个文件（{report.bytes / 1e6:.1f} MB）。")
    if report.findings:
        names = {"missing": "缺失", "altered": "被改动", "orphaned": "无记录"}
        print(f"{'问题':<6}{'文件':<74}涉及文书")
        for f in report.findings:
            print(f"{names[f.kind]:<6}{f.path:<74}{'、'.join(f.used_by) or '-'}")
    else:
        print("未发现缺失、被改动或无记录的文件。")
    for d in report.drift:
        more = f" 等 {d.count} 个" if d.count > len(d.examples) else ""
        print(f"{d.advice}\n  {'、'.join(d.examples)}{more}")
    if report.index_in_step:
        print("检索索引与档案一致。")


def cmd_backup(a: Archive, args) -> int:
    from archive.backup import backup

    report = backup(a.config, Path(args.out), rehash=args.rehash)
    print(report.line(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def cmd_restore(a: Archive, args) -> int:
    from archive.backup import restore

    report = restore(a.config, Path(args.dir), actor=a.config.actor)
    print(report.line())
    _print_verify(report.verify)
    return 0 if report.ok else 1


def cmd_export(a: Archive, args) -> int:
    r = a.export(out=Path(args.out), actor=a.config.actor, credit_code=args.firm,
                 sample_no=args.sample)
    print(f"已导出 {r.path}：文书 {r.documents} 个，照片原件 {r.photos} 张（可用 sha256sum -c SHA256SUMS 校验）。")
    return 0


def cmd_correct(a: Archive, args) -> int:
    from archive.visits import VISIT_FIELDS, VisitProblems, current_values, record_visit

    by_name = {path: path for path, _, _ in VISIT_FIELDS}
    by_name |= {label: path for path, label, _ in VISIT_FIELDS}
    by_name |= {label.split("（")[0]: path for path, label, _ in VISIT_FIELDS}
    with a.session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == args.sample)).first()
        if row is None:
            raise ArchiveError(f"没有抽样单编号为 {args.sample} 的抽样记录")
        values = current_values(row)
    values = {path: values.get(path, "") for path in by_name.values()}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or name.strip() not in by_name:
            raise ArchiveError(f"无法识别 {item!r}：应为 字段=值，字段为 "
                               f"{'、'.join(label.split('（')[0] for _, label, _ in VISIT_FIELDS)} 之一")
        path, value = by_name[name.strip()], value.strip()
        if path == "outcome":  # 已抽样 / 拒检 / 未抽到样品, as on the form
            value = {v: k for k, v in OUTCOME_NAMES.items()}.get(value, value)
        values[path] = value
    try:
        saved = record_visit(a, args.sample, values, actor=a.config.actor, reason=args.reason)
    except VisitProblems as exc:
        labels = {path: label for path, label, _ in VISIT_FIELDS} | {"correction.reason": "更正原因"}
        for m in exc.general:
            print(f"错误：{m}", file=sys.stderr)
        for path, messages in exc.fields.items():
            for m in messages:
                print(f"错误：{args.sample}　{labels.get(path, path)}：{m}", file=sys.stderr)
        return 1
    if not saved.changes:
        print(f"{args.sample}：没有改动。")
    elif saved.correction_id:
        print(f"{args.sample}：更正已记录（{len(saved.changes)} 项），生成新版本文书 {saved.documents} 个。")
        if saved.regenerate_error:
            print(f"注意：重新生成文书失败：{saved.regenerate_error}", file=sys.stderr)
    else:
        print(f"{args.sample}：抽样记录已保存（该记录尚未归档，无需更正）。")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 2023-04-21 形式：{text}") from None


def cmd_results_import(a: Archive, args) -> int:
    r = a.results.import_file(Path(args.file), actor=a.config.actor)
    print(f"已录入 {len(r.entered)} 个样品的检验结果（检验报告 {r.reports} 份）：{'、'.join(r.entered)}")
    return 0


def cmd_results_enter(a: Archive, args) -> int:
    items = []
    for text in args.item or []:
        parts = [p.strip() for p in text.split("|")]
        items.append(dict(zip(("item", "requirement", "measured", "verdict"), parts)))
    report = Path(args.report).read_bytes() if args.report else None
    r = a.results.enter(args.sample, {"conclusion": args.conclusion, "report_no": args.report_no,
                                      "report_date": args.report_date, "items": items,
                                      "remarks": args.remarks or ""},
                        actor=a.config.actor, report=report,
                        report_name=Path(args.report).name if args.report else "")
    print(f"{args.sample}：检验结论 {r.conclusion}，报告编号 {r.report_no}，不合格项目 {len(r.items)} 项。")
    return 0


def cmd_results_generate(a: Archive, args) -> int:
    run = a.result_docs.generate(actor=a.config.actor, task_code=args.trip, sample_nos=args.sample,
                                 mailer=args.mailer, progress=_progress("结果通知"))
    same = f"；{run.unchanged} 个文件与已归档的最新版本相同，未新增版本" if run.unchanged else ""
    print(f"已生成并归档 {len(run.firms)} 户的检验结果通知，共 {run.documents} 个新文件{same}。")
    if args.out:
        for doc_id in run.batch:
            doc, data = a.document(doc_id)
            write_file(Path(args.out) / doc.filename, data)
            print(Path(args.out) / doc.filename)
    return 0


def cmd_lists(a: Archive, args) -> int:
    ids = a.result_docs.generate_lists(args.trip, actor=a.config.actor)
    print(f"已生成并归档 {len(ids)} 个名单文件。")
    if args.out:
        for doc_id in ids:
            doc, data = a.document(doc_id)
            write_file(Path(args.out) / doc.filename, data)
            print(Path(args.out) / doc.filename)
    return 0


def cmd_mail_ems(a: Archive, args) -> int:
    m = a.mailings.record_ems(args.sample, args.ems_no, posted_on=args.posted, actor=a.config.actor)
    print(f"{args.sample}：EMS {m.ems_no}，交寄日期 {m.posted_on}")
    return 0


def cmd_mail_import(a: Archive, args) -> int:
    r = a.mailings.import_sheet(Path(args.file), actor=a.config.actor)
    print(f"已登记 {len(r.recorded)} 个 EMS 单号，其中 {len(r.signed)} 件已签收。")
    return 0


def cmd_mail_signed(a: Archive, args) -> int:
    tracking = Path(args.tracking) if args.tracking else None
    m = a.mailings.record_signed(args.key, args.date, signed_by=args.by, actor=a.config.actor,
                                 tracking=tracking.read_bytes() if tracking else None,
                                 tracking_name=tracking.name if tracking else "")
    end = a.mailings.window_end(m.signed_on)
    print(f"EMS {m.ems_no} 于 {m.signed_on} 由 {m.signed_by} 签收；异议期至 {end}。")
    return 0


def cmd_mail_returned(a: Archive, args) -> int:
    a.mailings.mark_returned(args.key, note=args.note, actor=a.config.actor)
    print(f"{args.key} 已标记为退回；请核实地址后重新寄出。")
    return 0


def cmd_mail_objection(a: Archive, args) -> int:
    a.mailings.register_objection(args.sample, received_on=args.received, applicant=args.applicant,
                                  items=args.items or "", grounds=args.grounds or "",
                                  actor=a.config.actor)
    print(f"{args.sample}：已登记 {args.received} 收到的复检申请。")
    return 0


def cmd_mail_list(a: Archive, args) -> int:
    data = a.mailings.mailing_list(args.trip, only_unsigned=not args.all)
    write_file(Path(args.out), data)
    print(Path(args.out))
    return 0


def cmd_mail_board(a: Archive, args) -> int:
    from archive.mailing import STATES

    board = a.mailings.board(task_code=args.trip, today=args.today)
    if args.json:
        print(json.dumps({"today": str(board.today), "rows": [
            {**{k: (str(v) if isinstance(v, date) else v) for k, v in vars(r).items()
                if k != "objections"},
             "state_label": r.state_label,
             "objections": [{k: str(v) if isinstance(v, date) else v for k, v in o.items()}
                            for o in r.objections]} for r in board.rows]},
            ensure_ascii=False, indent=2))
        return 0
    for task, (due, left) in board.result_due.items():
        if due:
            print(f"任务 {task}：结果送达期限 {due}（{'剩' + str(left) + '天' if left >= 0 else '已超期' + str(-left) + '天'}）")
    for state, rows in board.by_state().items():
        print(f"\n【{STATES[state]}】{len(rows)} 件")
        for r in rows:
            extra = ""
            if r.ems_no:
                extra += f"  EMS {r.ems_no} 交寄 {r.posted_on}"
            if r.signed_on:
                extra += f"  签收 {r.signed_on}（{r.signed_by}） 异议期至 {r.window_end}"
                extra += f" 剩 {r.days_left} 天" if r.days_left >= 0 else ""
            for o in r.objections:
                extra += f"  复检申请 {o['received_on']} {o['state']}{'（逾期）' if o['late'] else ''}"
            print(f"  {r.sample_no}  {r.firm}  {r.conclusion or '-'}{extra}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m archive",
                                description="抽查文书档案（数据保存在 $SPOTCHECK_HOME，默认 ./instance）")
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("import", help="导入行程文件（JSON）或抽样记录表（.xlsx/.csv）")
    i.add_argument("file")
    i.add_argument("--task", help="CSV 或无“任务信息”表的工作簿所属的任务编号")
    i.add_argument("--update-register", action="store_true",
                   help="文件中的企业信息与企业名录不同时，按文件更新名录（记入名录变更历史）")
    i.set_defaults(func=cmd_import)
    g = sub.add_parser("generate", help="生成文书并归档")
    which = g.add_mutually_exclusive_group(required=True)
    which.add_argument("--sample", help="抽样单编号")
    which.add_argument("--trip", help="任务编号（该任务的全部抽样记录）")
    g.add_argument("--blank", action="store_true", help="抽样前空白文书")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    g.set_defaults(func=cmd_generate)
    c = sub.add_parser("correct", help="更正已完成的抽样记录（记录改动、原因、更正人，文书生成新版本）")
    c.add_argument("sample", help="抽样单编号")
    c.add_argument("--set", action="append", required=True, metavar="字段=值",
                   help="如 单价（元）=99.50 或 product.name=铜芯电线（可重复）")
    c.add_argument("--reason", required=True, help="更正原因")
    c.set_defaults(func=cmd_correct)
    v = sub.add_parser("verify", help="重新计算全部档案文件的哈希，报告缺失、被改动和无记录的文件")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)
    e = sub.add_parser("export", help="导出企业或抽样的档案 ZIP（含校验清单）")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--firm", help="统一社会信用代码")
    which.add_argument("--sample", help="抽样单编号")
    e.add_argument("--out", required=True)
    e.set_defaults(func=cmd_export)
    b = sub.add_parser("backup", help="备份数据库、档案文件和配置（服务运行时也可）；再次备份到同一目录只复制新文件")
    b.add_argument("--out", required=True, help="备份目录：新目录、空目录或以前的备份目录（不能在数据目录内）")
    b.add_argument("--rehash", action="store_true", help="重新计算备份目录中已有文件的哈希（较慢）")
    b.set_defaults(func=cmd_backup)
    rt = sub.add_parser("restore", help="由备份目录重建数据目录（须为空），再迁移、重建索引并校验")
    rt.add_argument("dir", help="python -m archive backup 做的备份目录")
    rt.set_defaults(func=cmd_restore)

    rs = sub.add_parser("results", help="检验结果：录入、导入、生成结果通知").add_subparsers(
        dest="results_command", required=True)
    ri = rs.add_parser("import", help="导入检验结果（实验室 .xlsx/.csv，或 JSON {抽样单编号: 结果}）")
    ri.add_argument("file", help="报告 PDF 放在同一文件夹（或其子文件夹）中，由“检验报告文件”列指明")
    ri.set_defaults(func=cmd_results_import)
    re_ = rs.add_parser("enter", help="录入一个样品的检验结果")
    re_.add_argument("sample", help="抽样单编号")
    re_.add_argument("--conclusion", required=True, choices=("合格", "不合格"))
    re_.add_argument("--report-no", required=True, help="检验报告编号")
    re_.add_argument("--report-date", required=True, help="报告日期 2023-04-20")
    re_.add_argument("--item", action="append", help="不合格项目：\"项目|标准要求|实测值[|判定]\"（可重复）")
    re_.add_argument("--report", help="检验报告 PDF")
    re_.add_argument("--remarks")
    re_.set_defaults(func=cmd_results_enter)
    rg = rs.add_parser("generate", help="生成并归档检验结果通知（通知书+检验报告+送达回证+信封/标签）")
    which = rg.add_mutually_exclusive_group(required=True)
    which.add_argument("--trip", help="任务编号：该任务全部已出结果的样品")
    which.add_argument("--sample", action="append", help="抽样单编号（可重复）")
    rg.add_argument("--mailer", choices=("envelope", "labels", "none"), default="envelope")
    rg.add_argument("--out", help="把批量打印 PDF（和标签）另存到此目录")
    rg.set_defaults(func=cmd_results_generate)

    li = sub.add_parser("lists", help="生成并归档任务的合格/不合格名单、汇总表、公开信息表（.docx/.pdf/.xlsx）")
    li.add_argument("--trip", required=True, help="任务编号")
    li.add_argument("--out", help="另存到此目录")
    li.set_defaults(func=cmd_lists)

    ms = sub.add_parser("mail", help="EMS 寄送：单号、签收、退回、复检申请、邮寄清单、期限看板").add_subparsers(
        dest="mail_command", required=True)
    me = ms.add_parser("ems", help="登记结果通知的 EMS 单号")
    me.add_argument("sample", help="抽样单编号")
    me.add_argument("ems_no", help="EMS 单号（XX123456789CN 或13位数字）")
    me.add_argument("--posted", type=_day, help="交寄日期（默认今天）")
    me.set_defaults(func=cmd_mail_ems)
    mi = ms.add_parser("import", help="从表格导入 EMS 单号（及签收日期、签收人）")
    mi.add_argument("file")
    mi.set_defaults(func=cmd_mail_import)
    mg = ms.add_parser("signed", help="登记签收日期和签收人（异议期由此起算）")
    mg.add_argument("key", help="抽样单编号或 EMS 单号")
    mg.add_argument("--date", type=_day, required=True, help="签收日期")
    mg.add_argument("--by", required=True, help="签收人")
    mg.add_argument("--tracking", help="邮件跟踪记录截图或 PDF")
    mg.set_defaults(func=cmd_mail_signed)
    mr = ms.add_parser("returned", help="邮件被退回")
    mr.add_argument("key", help="抽样单编号或 EMS 单号")
    mr.add_argument("--note", default="", help="退回原因")
    mr.set_defaults(func=cmd_mail_returned)
    mo = ms.add_parser("objection", help="登记复检申请")
    mo.add_argument("sample")
    mo.add_argument("--received", type=_day, required=True, help="收到申请的日期")
    mo.add_argument("--applicant", required=True)
    mo.add_argument("--items", help="申请复检的项目")
    mo.add_argument("--grounds", help="理由")
    mo.set_defaults(func=cmd_mail_objection)
    ml = ms.add_parser("list", help="导出交寄清单 .xlsx（邮局柜台用）")
    ml.add_argument("--trip", required=True)
    ml.add_argument("--out", required=True)
    ml.add_argument("--all", action="store_true", help="包括已签收的邮件")
    ml.set_defaults(func=cmd_mail_list)
    mb = ms.add_parser("board", help="期限看板：待寄出、已寄出未签收、异议期内（剩余天数）、异议期满")
    mb.add_argument("--trip", help="任务编号")
    mb.add_argument("--today", type=_day, help="按此日期计算（默认今天）")
    mb.add_argument("--json", action="store_true")
    mb.set_defaults(func=cmd_mail_board)
    return p


def _places(args) -> tuple[dict[Path, str], str | None]:
    """The folders a failure may name (the instance is added by failure_line), and where a
    failure without a path happened: the output of the commands that mostly write there."""
    out = getattr(args, "out", None) or getattr(args, "dir", None)
    if not out:
        return {}, None
    label = f"{'备份目录' if args.command in ('backup', 'restore') else '输出位置'} {out}"
    return {Path(out): label}, label if args.command in ("backup", "export", "mail") else None


class _Notice(logging.Formatter):
    """On the command line a warning is one line in Chinese; its traceback belongs to the
    server's log, not to the clerk's screen."""

    def format(self, record: logging.LogRecord) -> str:
        return f"注意：{record.getMessage()}"


def _log_to_terminal() -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, _Notice) for h in root.handlers):
        return  # main() called again in one process
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Notice())
    handler.setLevel(logging.WARNING)
    handler.addFilter(lambda record: record.name.startswith("archive"))  # ours, in Chinese
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _log_to_terminal()
    config = load_config()
    try:
        return args.func(Archive(config), args)
    except SheetError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except TripError as exc:  # what was not done: an import changes nothing, a generate writes nothing
        nothing = {"import": "未导入任何记录", "results": "未保存任何检验结果",
                   "mail": "未保存任何内容", "correct": "未保存任何内容"}
        print(exc.report(nothing.get(args.command, "未生成任何文件")), file=sys.stderr)
        return 1
    except (ArchiveError, BackupError, FontError, PacketError, SettingsError,
            TemplateProblem) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断；已归档的部分保持一致，重新运行同一命令可继续。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return stdout_closed()
    except Exception as exc:  # the disk, the database, the instance: one line, else a bug
        places, fallback = _places(args)
        line = failure_line(exc, config, places, fallback=fallback)
        if line is None:
            raise
        print(f"错误：{line}", file=sys.stderr)
        return 2
