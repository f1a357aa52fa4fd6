"""The command line, run in-process through docgen.cli.main (and once as `python -m docgen`):
exit codes, messages, and that a failed run leaves nothing behind."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import docgen.packets
from docgen.cli import main
from docgen.specs import FORMS
from tests.conftest import DEMO, docx_text, pdf_text

REPO = Path(__file__).resolve().parents[2]
JINCHENG = DEMO / "trip-jincheng-cable.json"

COPIES = {  # the README's table
    "notice": "一式三联", "sampling_slip": "一式四联", "payment_slip": "一式两联",
    "seal_notice": "一式两份", "refusal": "一式三份", "no_sample": "一式三份",
    "feedback": "一式两份", "authorization": "一份", "result_notice": "一式两份",
    "service_receipt": "一份", "envelope": "一份", "label_sheet": "一份",
}


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    """The CLI reads $SPOTCHECK_SETTINGS; the tests run on the defaults."""
    monkeypatch.delenv("SPOTCHECK_SETTINGS", raising=False)


def record(trip: dict, sample_no: str) -> dict:
    return next(s for s in trip["samplings"] if s["sample_no"] == sample_no)


def leftovers(folder: Path) -> list[str]:
    """Temporary or backup folders a packet run may leave beside its output."""
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or ".old-" in p.name)


def only_firms(trip: dict, *numbers: str) -> dict:
    trip["samplings"] = [s for s in trip["samplings"] if s["sample_no"] in numbers]
    return trip


# -- forms -----------------------------------------------------------------------------------

def test_forms_lists_every_form_code_with_its_chinese_title_and_copies(capsys):
    assert main(["forms"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(FORMS) == 12
    for line, (code, spec) in zip(lines, FORMS.items()):
        assert line.split()[0] == code
        assert f"{spec.title}{spec.subtitle}" in line
        assert line.endswith(COPIES[code])


def test_python_m_docgen_forms_runs_as_a_program():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("SPOTCHECK_SETTINGS", None)
    done = subprocess.run([sys.executable, "-m", "docgen", "forms"], cwd=REPO, env=env,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    out = done.stdout.decode("utf-8")
    for code, spec in FORMS.items():
        assert code in out and spec.title in out


def test_python_m_docgen_exits_1_on_a_bad_trip_file(jincheng, write_trip, tmp_path):
    record(jincheng, "JC2023DX0002")["enterprise"]["credit_code"] = "91140581731915466E"
    trip = write_trip(jincheng)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("SPOTCHECK_SETTINGS", None)
    done = subprocess.run([sys.executable, "-m", "docgen", "packet", str(trip), "--out",
                           str(tmp_path / "out"), "--jobs", "1"],
                          cwd=REPO, env=env, capture_output=True, timeout=120)
    assert done.returncode == 1
    err = done.stderr.decode("utf-8")
    assert "JC2023DX0002" in err and "受检单位统一社会信用代码" in err
    assert "enterprise.credit_code" not in err  # the label, not the internal path
    assert not (tmp_path / "out").exists()


def test_a_missing_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


# -- bad input: exit 1, nothing written ------------------------------------------------------

def test_a_bad_trip_exits_1_lists_every_problem_and_writes_nothing(
        jincheng, write_trip, tmp_path, capsys):
    record(jincheng, "JC2023DX0002")["enterprise"]["credit_code"] = "91140581731915466E"
    record(jincheng, "JC2023DX0005")["refusal"]["description"] = ""
    trip = write_trip(jincheng)
    out = tmp_path / "out"
    before = sorted(p.name for p in tmp_path.iterdir())

    assert main(["packet", str(trip), "--out", str(out), "--jobs", "1"]) == 1

    err = capsys.readouterr().err
    assert err.startswith(str(trip))
    assert "未生成任何文件" in err
    lines = err.splitlines()
    assert any("JC2023DX0002" in ln and "受检单位统一社会信用代码" in ln and "校验位" in ln
               for ln in lines)
    assert any("JC2023DX0005" in ln and "拒检过程描述" in ln for ln in lines)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .partial folder either
    assert leftovers(tmp_path) == []


def test_a_bad_trip_given_to_render_exits_1(jincheng, write_trip, tmp_path, capsys):
    record(jincheng, "JC2023DX0001")["unit_price"] = "abc"
    trip = write_trip(jincheng)
    out = tmp_path / "forms"
    assert main(["render", "notice", str(trip), "--sample", "JC2023DX0002", "--out",
                 str(out)]) == 1
    assert "单价" in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_trip_file_exits_1(tmp_path, capsys):
    assert main(["packet", str(tmp_path / "nope.json"), "--out", str(tmp_path / "out"),
                 "--jobs", "1"]) == 1
    assert "无法读取文件" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_missing_settings_file_exits_2(tmp_path, capsys):
    assert main(["--settings", str(tmp_path / "none.toml"), "forms"]) == 2
    assert "设置文件" in capsys.readouterr().err


# -- the output folder -----------------------------------------------------------------------

def test_a_non_empty_output_folder_is_refused_without_overwrite_and_left_untouched(
        tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("上次的文书", encoding="utf-8")

    assert main(["packet", str(JINCHENG), "--out", str(out), "--jobs", "1"]) == 2

    assert "--overwrite" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "上次的文书"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_overwrite_replaces_the_old_output_and_leaves_no_backup(jincheng, write_trip, tmp_path,
                                                                capsys):
    trip = write_trip(only_firms(jincheng, "JC2023DX0006"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("old", encoding="utf-8")

    assert main(["packet", str(trip), "--out", str(out), "--jobs", "1", "--overwrite"]) == 0

    assert not (out / "stale.txt").exists()
    assert (out / "manifest.json").is_file()
    assert (out / "JC2023DX0006" / "JC2023DX0006-packet.pdf").is_file()
    assert leftovers(tmp_path) == []


def test_an_empty_existing_output_folder_is_used_without_overwrite(jincheng, write_trip,
                                                                   tmp_path, capsys):
    trip = write_trip(only_firms(jincheng, "JC2023DX0006"))
    out = tmp_path / "out"
    out.mkdir()
    assert main(["packet", str(trip), "--out", str(out), "--jobs", "1"]) == 0
    assert (out / "manifest.json").is_file()
    assert leftovers(tmp_path) == []


# -- a whole packet --------------------------------------------------------------------------

def test_packet_writes_every_file_with_a_manifest_that_matches_the_folder(tmp_path, capsys):
    out = tmp_path / "out"

    assert main(["packet", str(JINCHENG), "--out", str(out), "--jobs", "1"]) == 0

    assert "已生成 6 户" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["task"]["code"] == "JC2023-01-DX"
    assert manifest["blank"] is False
    listed = {}
    for entry in manifest["files"]:
        path = out / entry["path"]
        assert path.is_file(), entry["path"]
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["size"], entry["path"]
        listed[entry["path"]] = entry
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == set(listed)
    assert len(listed) == len(manifest["files"])  # no path listed twice
    assert {"trip.pdf", "docx.zip", "JC2023DX0001/JC2023DX0001-photos.pdf",
            "JC2023DX0005/JC2023DX0005-02-refusal.pdf"} <= set(listed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# -- render: one form ------------------------------------------------------------------------

def test_render_writes_one_word_form_named_after_the_sample_and_form(tmp_path, capsys):
    out = tmp_path / "forms"
    assert main(["render", "notice", str(JINCHENG), "--sample", "JC2023DX0001",
                 "--format", "docx", "--out", str(out)]) == 0
    target = out / "JC2023DX0001-notice.docx"
    assert capsys.readouterr().out.strip() == str(target)
    assert [p.name for p in out.iterdir()] == [target.name]  # no temporary file left
    assert "晋城市泽州县鑫达电缆有限公司" in docx_text(target)


def test_render_writes_one_pdf_form(tmp_path, capsys):
    out = tmp_path / "forms"
    assert main(["render", "refusal", str(JINCHENG), "--sample", "JC2023DX0005",
                 "--out", str(out)]) == 0
    target = out / "JC2023DX0005-refusal.pdf"
    assert target.read_bytes().startswith(b"%PDF")
    assert "沁水县宏泰电工器材有限公司" in pdf_text(target)


def test_render_with_an_unknown_sample_number_fails_with_a_message(tmp_path, capsys):
    out = tmp_path / "forms"
    code = main(["render", "notice", str(JINCHENG), "--sample", "JC2023DX0099",
                 "--format", "docx", "--out", str(out)])
    assert code != 0
    assert "JC2023DX0099" in capsys.readouterr().err
    assert not out.exists()


def test_render_with_an_unknown_form_code_exits_2(tmp_path, capsys):
    out = tmp_path / "forms"
    assert main(["render", "receipt", str(JINCHENG), "--sample", "JC2023DX0001",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "receipt" in err and "未知的表单代码" in err
    assert not out.exists()


def test_render_with_an_unknown_format_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["render", "notice", str(JINCHENG), "--sample", "JC2023DX0001",
              "--format", "odt", "--out", str(tmp_path / "forms")])
    assert info.value.code == 2


# -- a crash halfway leaves nothing ----------------------------------------------------------

@pytest.fixture
def crash_on_third_firm(monkeypatch):
    """Make render_firm fail on the third firm; returns the list of firms it was called for."""
    real = docgen.packets.render_firm
    calls: list[str] = []

    def render_firm(renderer, trip, sampling, blank):
        calls.append(sampling.sample_no)
        if len(calls) == 3:
            raise RuntimeError(f"磁盘已满（模拟，{sampling.sample_no}）")
        return real(renderer, trip, sampling, blank)

    monkeypatch.setattr(docgen.packets, "render_firm", render_firm)
    return calls


def test_a_crash_on_the_third_firm_exits_with_an_error_and_leaves_nothing(
        crash_on_third_firm, tmp_path, capsys):
    out = tmp_path / "out"

    code = main(["packet", str(JINCHENG), "--out", str(out), "--jobs", "1"])

    assert code == 2
    assert crash_on_third_firm == ["JC2023DX0001", "JC2023DX0002", "JC2023DX0003"]
    err = capsys.readouterr().err
    # which firm, and that it is a fault of the program: never the exception's own text
    assert "JC2023DX0003" in err and "程序内部错误" in err and "模拟" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no .partial folder beside it


def test_a_crash_does_not_touch_an_existing_output_being_overwritten(
        crash_on_third_firm, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("上次的文书", encoding="utf-8")

    assert main(["packet", str(JINCHENG), "--out", str(out), "--jobs", "1",
                 "--overwrite"]) == 2

    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_interrupt_halfway_exits_130_and_leaves_nothing(monkeypatch, tmp_path, capsys):
    real = docgen.packets.render_firm
    calls = []

    def render_firm(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(docgen.packets, "render_firm", render_firm)
    out = tmp_path / "out"
    assert main(["packet", str(JINCHENG), "--out", str(out), "--jobs", "1"]) == 130
    assert "已中断" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_spawned_workers_build_their_own_renderer_with_the_same_settings(tmp_path, monkeypatch):
    """Windows has no fork: workers get the settings and rebuild fonts and templates."""
    import multiprocessing

    from docgen import packets
    from docgen.loading import load_trip
    from docgen.render import Renderer
    from docgen.settings import Settings
    from tests.conftest import DEMO

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    renderer = Renderer(Settings(objection_days=21))
    trip = load_trip(DEMO / "trip-jincheng-cable.json")
    trip = type(trip)(**{**trip.__dict__, "samplings": trip.samplings[:2]})
    entries = packets.build_packet(trip, tmp_path / "out", jobs=2, renderer=renderer)
    seal = next(e for e in entries if e.form == "seal_notice" and e.format == "pdf")
    from tests.conftest import pdf_text
    assert "21日内" in pdf_text(tmp_path / "out" / seal.path)
