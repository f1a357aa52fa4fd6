"""python -m webapp [serve] | set-password USER — run the service on waitress."""
from __future__ import annotations

import argparse
import getpass
import os
import sys


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m webapp", description="抽查文书档案 Web 服务")
    sub = p.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="启动服务（默认）")
    serve.add_argument("--host", default=os.environ.get("SPOTCHECK_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("SPOTCHECK_PORT", "8080")))
    serve.add_argument("--no-demo", action="store_true", help="不载入演示数据")
    pw = sub.add_parser("set-password", help="设置用户密码（交互输入）")
    pw.add_argument("username")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)

    from archive.config import load_config
    from archive.instance import failure_line

    config = load_config()
    try:
        return _run(args, config)
    except Exception as exc:  # an emptied or corrupt database, the disk: one line, else a bug
        from webapp.bootstrap import NoUsers

        line = str(exc) if isinstance(exc, NoUsers) else failure_line(exc, config)
        if line is None:
            raise
        print(f"错误：{line}", file=sys.stderr)
        return 2


def _ask(prompt: str) -> str:
    """A password typed at the terminal (not shown), or a line piped in (for scripts)."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\r\n")


def _run(args, config) -> int:
    from archive.instance import open_instance
    from archive.service import Archive
    from archive.users import UserError, set_password
    from webapp import create_app
    from webapp.bootstrap import ensure_admin, load_demo

    archive = Archive(config)
    if args.command == "set-password":
        open_instance(config)  # a broken instance is refused before the password is asked
        least = archive.settings.password_min_length
        try:
            password = _ask(f"新密码（至少 {least} 个字符，不能是常见密码）：")
            again = _ask("再次输入新密码：")
        except (EOFError, KeyboardInterrupt):  # no terminal to type on, or Ctrl-C
            print("\n已取消，密码未修改。", file=sys.stderr)
            return 2
        if again != password:
            print("错误：两次输入的密码不一致，密码未修改。", file=sys.stderr)
            return 2
        try:
            with archive.session() as s:
                user = set_password(s, args.username, password, actor=archive.config.actor,
                                    settings=archive.settings)
                name = user.username
        except UserError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        print(f"用户 {name} 的密码已更新；该用户已有的登录已失效（运行中的服务最迟 30 秒内生效）。")
        return 0

    host = getattr(args, "host", os.environ.get("SPOTCHECK_HOST", "127.0.0.1"))
    port = getattr(args, "port", int(os.environ.get("SPOTCHECK_PORT", "8080")))
    password = ensure_admin(archive)
    if password:
        print(f"已创建管理员账号 admin，初始密码：{password}（可用 python -m webapp set-password admin 修改）")
    if not getattr(args, "no_demo", False) and load_demo(archive):
        print("已载入演示数据（晋城电线电缆 6 户、青浦净水设备 3 户）。")
    app = create_app({"ARCHIVE": archive, "ARCHIVE_CONFIG": archive.config})
    print(f"抽查文书档案已启动：http://{host}:{port}/  （数据目录 {archive.config.home}）", flush=True)
    from waitress import serve as waitress_serve

    try:
        waitress_serve(app, host=host, port=port, threads=8)
    except OSError as exc:
        print(f"错误：无法在 {host}:{port} 上启动（{exc.strerror}）；可用 --port 或 SPOTCHECK_PORT 换一个端口。",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
