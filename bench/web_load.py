"""Benchmark: the web app under load, records officers searching and opening documents.

Run by hand:  .venv/bin/python -m bench.web_load [--docs 10000] [--users 20] [--seconds 60]

A fresh instance in a temporary folder: N archived documents (bench.archive_bench rows, all
pointing at one small real PDF in the store), the search index, one 'records' user per client.
The real app runs under waitress (8 threads) on 127.0.0.1, free port, in a second process (so
the client threads here do not share its GIL). Each client signs in once (CSRF token, session
cookie, keep-alive connection), then loops for --seconds: search page 70% (2-character firm-name
fragment, credit code or batch number from the generated data), open a PDF inline 20%, download
10%. Prints totals, req/s, errors (non-200, exception, wrong document bytes), p50/p95/p99 overall
and per kind, and whether the target is met: search p95 < 300 ms at 10,000 documents, no errors.
It stops by itself and removes the temporary folder.
"""
from __future__ import annotations

import argparse
import http.client
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, urlencode

PASSWORD = "bench-load-password"
THREADS = 8  # as `python -m webapp serve`
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TARGET_MS = 300


def config(home: Path):
    from archive.config import Config
    return Config(home, f"sqlite:///{home / 'db.sqlite'}", "bench")


def tiny_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "spotcheck web load benchmark")
    c.showPage()
    c.save()
    return buf.getvalue()


def build(home: Path, docs: int, users: int, rng: random.Random):
    """A fresh instance; returns the generated names, credit codes, batches and the PDF."""
    from sqlalchemy import delete, func, select, update

    from archive.models import Blob, Document
    from archive.service import Archive
    from archive.users import create_user
    from bench.archive_bench import populate

    archive = Archive(config(home))
    names, codes, batches = populate(archive, docs, rng)
    pdf = tiny_pdf()
    sha = archive.store.put(pdf)
    with archive.session() as s:  # the rows point at "0"*64; repoint them at the real file
        s.add(Blob(sha256=sha, size=len(pdf), state="stored"))
        s.flush()
        s.execute(update(Document).values(sha256=sha, size=len(pdf), pages=1),
                  execution_options={"synchronize_session": False})
        s.execute(delete(Blob).where(Blob.sha256 == "0" * 64))
        for i in range(users):
            create_user(s, f"bench{i:02d}", PASSWORD, "records")
        ndocs = s.scalar(select(func.count(Document.id)))
    archive.reindex()
    return names, codes, batches, pdf, ndocs


def serve(home: Path, deadline: float) -> None:
    """Child process: serve the app until stdin closes (or the deadline, whichever first)."""
    import logging
    import os

    from waitress.server import create_server

    from archive.service import Archive
    from webapp import create_app

    threading.Timer(deadline, os._exit, (3,)).start()  # never outlive a lost parent
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # queueing is measured instead
    archive = Archive(config(home))
    app = create_app({"ARCHIVE": archive, "ARCHIVE_CONFIG": archive.config})
    # Open the database once before serving, as `python -m webapp serve` does (ensure_admin):
    # archive.db.session_factory runs Alembic on first use, and concurrent first uses race on
    # Alembic's module-global context (KeyError 'config'/'script' → HTTP 500).
    archive.counts()
    server = create_server(app, host="127.0.0.1", port=0, threads=THREADS)
    threading.Thread(target=server.run, daemon=True).start()
    print(server.effective_port, flush=True)
    sys.stdin.read()
    os._exit(0)


class Client:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.port, self.conn, self.cookies = port, None, {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.conn.request(method, path, body, headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, val = value.split(";", 1)[0].partition("=")
                self.cookies[key.strip()] = val
        if resp.will_close:
            self.conn.close()
            self.conn = None
        return resp.status, resp.getheader("Location", ""), data

    def login(self, username: str) -> None:
        status, _, page = self.request("GET", "/login")
        token = CSRF.search(page.decode("utf-8", "replace"))
        if status != 200 or not token:
            raise RuntimeError(f"GET /login: {status}, csrf token {'found' if token else 'missing'}")
        status, location, _ = self.request("POST", "/login", {
            "username": username, "password": PASSWORD, "csrf_token": token.group(1)})
        if status != 302 or "/login" in location:
            raise RuntimeError(f"POST /login: {status} → {location or 'no redirect'}")


def run_client(n: int, port: int, data, start: threading.Barrier, seconds: float, out: list):
    names, codes, batches, pdf, ndocs = data
    rng = random.Random(1000 + n)
    client = Client(port)
    try:
        client.login(f"bench{n:02d}")
    except Exception as exc:
        out.append(("login", 0.0, f"login: {exc!r}"))
        start.wait()
        return
    start.wait()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        roll = rng.random()
        if roll < 0.7:
            kind, name = "search", rng.choice(names)
            k = rng.randrange(len(name) - 1)  # a firm-name fragment, credit code or batch number
            q = rng.choice([name[k:k + 2], rng.choice(codes), rng.choice(batches)])
            path = "/search?q=" + quote(q)
        else:
            kind = "view" if roll < 0.9 else "download"
            doc = rng.randrange(1, ndocs + 1)
            path = f"/documents/{doc}" + ("/download" if kind == "download" else "")
        t = time.perf_counter()
        try:
            status, _, body = client.request("GET", path)
            error = None if status == 200 else f"{kind} HTTP {status}"
            if error is None and kind != "search" and body != pdf:
                error = f"{kind} wrong bytes ({len(body)} bytes)"
        except Exception as exc:
            error = f"{kind} {type(exc).__name__}: {exc}"
        out.append((kind, (time.perf_counter() - t) * 1000, error))


WRK_SCRIPT = """
paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter * 7919) %% #paths + 1], {["Cookie"] = "%(cookie)s"})
end
done = function(summary, latency, requests)
  io.write(string.format("WRK p50 %%.1f p95 %%.1f p99 %%.1f requests %%d errors %%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def run_wrk(port: int, data, users: int, seconds: float, kind: str, folder: Path) -> str:
    """The same traffic from wrk (C, event loop), so the load generator does not take the
    server's CPU the way Python client threads do. One signed-in session for all connections."""
    names, codes, batches, pdf, ndocs = data
    client = Client(port)
    client.login("bench00")
    rng = random.Random(3)
    paths = []
    for _ in range(5000):
        if kind == "search":
            name = rng.choice(names)
            k = rng.randrange(len(name) - 1)
            paths.append("/search?q=" + quote(rng.choice([name[k:k + 2], rng.choice(codes),
                                                          rng.choice(batches)])))
        else:
            paths.append(f"/documents/{rng.randrange(1, ndocs + 1)}"
                         + ("/download" if rng.random() < 1 / 3 else ""))
    (folder / "paths.txt").write_text("\n".join(paths))
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    (folder / "load.lua").write_text(WRK_SCRIPT % {"paths": folder / "paths.txt", "cookie": cookie})
    done = subprocess.run(["wrk", "-t2", f"-c{users}", f"-d{int(seconds)}s", "-s",
                           str(folder / "load.lua"), f"http://127.0.0.1:{port}/"],
                          capture_output=True, text=True, timeout=seconds + 60)
    summary = [ln for ln in done.stdout.splitlines() if ln.startswith(("WRK", "Requests/sec",
                                                                         "Non-2xx"))]
    return "; ".join(summary)


def pct(times: list[float], p: float) -> float:  # nearest rank, of sorted times
    return times[max(math.ceil(p / 100 * len(times)) - 1, 0)] if times else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--wrk", action="store_true", help="drive the load with wrk (Debian package)")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the server child process
    ap.add_argument("--deadline", type=float, default=600, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(args.serve, args.deadline)

    home = Path(tempfile.mkdtemp(prefix="spotcheck-web-load-"))
    server = None
    try:
        t = time.perf_counter()
        data = build(home, args.docs, args.users, random.Random(7))
        names, _, batches, _, ndocs = data
        print(f"instance: {ndocs} documents, {len(batches)} samplings, {len(names)} firms, "
              f"{args.users} records users, built and indexed in {time.perf_counter() - t:.1f} s")
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.web_load", "--serve", str(home),
             "--deadline", str(args.seconds + 300)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        port = int(server.stdout.readline())
        print(f"server: waitress, {THREADS} threads, http://127.0.0.1:{port}/ (own process); "
              f"{args.users} clients for {args.seconds:g} s")
        if args.wrk:
            for kind in ("search", "documents"):
                print(f"wrk {kind}: " + run_wrk(port, data, args.users, args.seconds / 2, kind, home))
            return
        start = threading.Barrier(args.users + 1)
        outs = [[] for _ in range(args.users)]
        clients = [threading.Thread(target=run_client, daemon=True,
                                    args=(n, port, data, start, args.seconds, outs[n]))
                   for n in range(args.users)]
        for c in clients:
            c.start()
        start.wait()
        t = time.perf_counter()
        for c in clients:
            c.join()
        took = time.perf_counter() - t
    finally:
        if server is not None:
            server.stdin.close()
            server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)

    results = [r for out in outs for r in out]
    loop = [r for r in results if r[0] != "login"]
    errors = Counter(r[2] for r in results if r[2])
    nerr = sum(errors.values())
    print(f"requests: {len(loop)} in {took:.1f} s = {len(loop) / took:.1f} req/s; errors: {nerr}")
    print(f"{'kind':<10}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in ("all", "search", "view", "download"):
        times = sorted(r[1] for r in loop if kind in ("all", r[0]))
        print(f"{kind:<10}{len(times):>7}{pct(times, 50):>9.1f}{pct(times, 95):>9.1f}"
              f"{pct(times, 99):>9.1f}")
    for what, n in errors.most_common(10):
        print(f"  error ×{n}: {what}")
    search95 = pct(sorted(r[1] for r in loop if r[0] == "search"), 95)
    met = search95 < TARGET_MS and nerr == 0 and ndocs >= 10_000
    print(f"target: search p95 < {TARGET_MS} ms at 10,000 archived documents, no errors: "
          f"{'MET' if met else 'NOT MET'} (search p95 {search95:.1f} ms, {nerr} errors, "
          f"{ndocs} documents)")


if __name__ == "__main__":
    main()
