"""Records keep what was recorded: a later import, a register edit or a re-run never rewrites an
earlier sampling or document; a finished record changes only by a recorded correction."""
from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from archive import firms
from archive.models import Correction, Document, Firm, FirmChange, Sampling
from archive.visits import VISIT_FIELDS, VisitProblems, current_values, record_visit
from docgen.loading import TripError
from tests.conftest import DEMO, pdf_text

TASK = "JC2023-01-DX"
XINDA = "91140525MA0H2K7B2W"  # JC2023DX0001's firm


def row(archive, sample_no: str) -> Sampling:
    with archive.session() as s:
        r = s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).one()
        r.task, r.firm  # loaded
        return r


def latest(archive, sample_no: str, form: str, fmt: str = "pdf") -> Document:
    with archive.session() as s:
        return s.scalars(select(Document).join(Sampling).where(
            Sampling.sample_no == sample_no, Document.form == form, Document.format == fmt,
            Document.blank.is_(False)).order_by(Document.version.desc())).first()


def later_task(jincheng: dict, **firm) -> dict:
    """A second task whose first visit is to the same firm (same credit code)."""
    data = copy.deepcopy(jincheng)
    data["task"]["code"] = "JC2023-02-DX"
    data["samplings"] = [data["samplings"][0]]
    data["samplings"][0]["sample_no"] = "JC2023DX0101"
    data["samplings"][0]["enterprise"].update(firm)
    return data


@pytest.fixture
def archived(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    archive.generate(task_code=TASK, actor="测试员")
    return archive


def test_a_later_task_renaming_the_firm_leaves_the_earlier_sampling_and_register_alone(
        archived, jincheng, write_trip):
    report = archived.import_file(write_trip(later_task(jincheng, name="晋城鑫达新材料有限公司",
                                                        address="泽州县新址1号")), actor="测试员")
    (difference,) = report.register_differences
    assert difference.credit_code == XINDA
    assert difference.changes["name"] == ("晋城市泽州县鑫达电缆有限公司", "晋城鑫达新材料有限公司")
    with archived.session() as s:
        firm = s.scalars(select(Firm).where(Firm.credit_code == XINDA)).one()
        assert firm.name == "晋城市泽州县鑫达电缆有限公司"  # the register is not rewritten
    assert row(archived, "JC2023DX0101").enterprise.name == "晋城鑫达新材料有限公司"
    archived.generate(sample_no="JC2023DX0001", actor="测试员")  # a re-run of the earlier task
    notice = pdf_text(archived.store.read(latest(archived, "JC2023DX0001", "notice").sha256))
    assert "晋城市泽州县鑫达电缆有限公司" in notice and "鑫达新材料" not in notice


def test_the_register_changes_only_when_asked_and_keeps_the_history(archived, jincheng,
                                                                    write_trip):
    path = write_trip(later_task(jincheng, name="晋城鑫达新材料有限公司"))
    archived.import_file(path, actor="测试员", update_register=True)
    with archived.session() as s:
        firm = s.scalars(select(Firm).where(Firm.credit_code == XINDA)).one()
        changes = firms.history(s, firm.id)
    assert firm.name == "晋城鑫达新材料有限公司"
    assert changes[0].actor == "测试员" and changes[0].changes["name"] == [
        "晋城市泽州县鑫达电缆有限公司", "晋城鑫达新材料有限公司"]
    assert "导入" in changes[0].source and changes[-1].source.startswith("新建")
    # the earlier sampling still prints the name it recorded
    archived.generate(sample_no="JC2023DX0001", actor="测试员")
    notice = pdf_text(archived.store.read(latest(archived, "JC2023DX0001", "notice").sha256))
    assert "晋城市泽州县鑫达电缆有限公司" in notice


def test_an_explicit_register_edit_is_kept_with_who_when_old_and_new(archived):
    entry = firms.save_register(archived, XINDA, {"phone": "0356-8888888", "address": ""},
                                actor="档案员", source="企业页面编辑")
    assert entry.changes == {"phone": ["13903560123", "0356-8888888"]}  # blank erases nothing
    with pytest.raises(firms.FirmProblems) as err:
        firms.save_register(archived, XINDA, {"postal_code": "48000"}, actor="档案员", source="x")
    assert err.value.fields == {"postal_code": "邮政编码应为6位数字"}
    assert row(archived, "JC2023DX0001").enterprise.phone == "13903560123"


def test_a_firm_named_as_its_own_maker_keeps_its_contacts(archive, jincheng, write_trip):
    firm = jincheng["samplings"][0]["enterprise"]
    jincheng["samplings"][0]["manufacturer"] = {"name": firm["name"],
                                                "credit_code": firm["credit_code"],
                                                "address": firm["address"]}
    archive.import_file(write_trip(jincheng), actor="测试员")
    r = row(archive, "JC2023DX0001")
    assert (r.enterprise.legal_rep, r.enterprise.postal_code, r.enterprise.contact,
            r.enterprise.phone, r.enterprise.role) == ("赵志刚", "048000", "刘红", "13903560123", "生产")
    assert r.maker.phone == "13903560123" and r.maker.postal_code == "048000"
    with archive.session() as s:
        register = s.scalars(select(Firm).where(Firm.credit_code == firm["credit_code"])).one()
        assert (register.legal_rep, register.contact, register.role) == ("赵志刚", "刘红", "生产")
    archive.generate(sample_no="JC2023DX0001", actor="测试员")
    slip = pdf_text(archive.store.read(latest(archive, "JC2023DX0001", "sampling_slip").sha256))
    assert "赵志刚" in slip and "13903560123" in slip and "048000" in slip


def test_a_re_import_cannot_turn_a_tested_sampling_into_a_refusal(archived, jincheng,
                                                                  write_trip):
    archived.results.import_file(DEMO / "results-jincheng-cable.json", actor="测试员")
    changed = copy.deepcopy(jincheng)
    changed["samplings"][0].update(outcome="refused",
                                   refusal={"description": "拒绝", "witnesses": []})
    for key in ("quantity", "unit_price", "seal"):
        changed["samplings"][0].pop(key, None)
    with pytest.raises(TripError) as err:
        archived.import_file(write_trip(changed), actor="测试员")
    problem = err.value.problems[0]
    assert problem.record == "JC2023DX0001" and "已有检验结果" in problem.message
    assert "更正" in problem.message and "已抽样 → 拒检" in problem.message
    assert "sampled" not in problem.message
    r = row(archived, "JC2023DX0001")
    assert r.outcome == "sampled" and r.result == "合格"


def test_a_re_import_of_an_archived_sampling_with_other_details_is_refused(archived, jincheng,
                                                                           write_trip):
    jincheng["samplings"][1]["unit_price"] = "1.00"
    with pytest.raises(TripError) as err:
        archived.import_file(write_trip(jincheng), actor="测试员")
    assert "已归档文书" in str(err.value.problems[0]) and "单价" in str(err.value.problems[0])
    assert str(row(archived, "JC2023DX0002").unit_price) != "1.00"


def _form(archive, sample_no: str, **changes) -> dict:
    values = current_values(row(archive, sample_no))
    form = {path: values.get(path, "") for path, _, _ in VISIT_FIELDS}
    return {**form, **changes}


def test_an_empty_visit_form_is_refused_and_changes_nothing(archived):
    archived.results.import_file(DEMO / "results-jincheng-cable.json", actor="测试员")
    before = row(archived, "JC2023DX0002")
    with pytest.raises(VisitProblems) as err:
        record_visit(archived, "JC2023DX0002", {}, actor="测试员")
    assert "表单不完整" in err.value.general[0] and "产品名称" in err.value.general[0]
    after = row(archived, "JC2023DX0002")
    assert (after.product, after.result, after.lab_report_sha256) == (
        before.product, before.result, before.lab_report_sha256)


def test_a_finished_visit_changes_only_by_a_correction_with_new_versions(archived):
    old_slip = latest(archived, "JC2023DX0002", "sampling_slip")
    form = _form(archived, "JC2023DX0002", **{"place": "二号成品库"})
    with pytest.raises(VisitProblems) as err:
        record_visit(archived, "JC2023DX0002", form, actor="测试员")
    assert "更正原因" in err.value.fields["correction.reason"][0]
    assert row(archived, "JC2023DX0002").place != "二号成品库"
    saved = record_visit(archived, "JC2023DX0002", form, actor="审核员", reason="抽样地点笔误")
    assert saved.changes == {"place": (row(archived, "JC2023DX0001").place and
                                       saved.changes["place"][0], "二号成品库")}
    with archived.session() as s:
        (c,) = s.scalars(select(Correction)).all()
    assert (c.actor, c.reason, c.changes["place"][1]) == ("审核员", "抽样地点笔误", "二号成品库")
    new_slip = latest(archived, "JC2023DX0002", "sampling_slip")
    assert new_slip.version == old_slip.version + 1 and new_slip.id in c.documents
    assert "二号成品库" in pdf_text(archived.store.read(new_slip.sha256))
    assert archived.store.exists(old_slip.sha256)  # the old version stays


def test_the_outcome_of_a_tested_sample_cannot_be_corrected(archived):
    archived.results.import_file(DEMO / "results-jincheng-cable.json", actor="测试员")
    form = _form(archived, "JC2023DX0001", outcome="no_sample",
                 **{"no_sample.reason": "停产", "no_sample.description": "停产"})
    with pytest.raises(VisitProblems) as err:
        record_visit(archived, "JC2023DX0001", form, actor="测试员", reason="改")
    assert "抽样结果不能更改" in err.value.fields["outcome"][0]
    assert row(archived, "JC2023DX0001").outcome == "sampled"


def test_saving_the_same_visit_again_changes_nothing(archived):
    saved = record_visit(archived, "JC2023DX0002", _form(archived, "JC2023DX0002"),
                         actor="测试员")
    assert saved.changes == {} and saved.correction_id is None


def test_regenerating_identical_content_adds_no_version(archived):
    again = archived.generate(task_code=TASK, actor="测试员")
    assert again.documents == 0 and again.unchanged > 0
    with archived.session() as s:
        assert s.scalar(select(func.max(Document.version))) == 1


@pytest.mark.parametrize("change, field, words", [
    ({"product": {"production_date": "2023-02-30"}}, "product.production_date", "不是有效日期"),
    ({"product": {"production_date": "2023-03-16"}}, "product.production_date", "晚于抽样时间"),
    ({"product": {"production_date": "2023-04"}}, "product.production_date", "晚于抽样时间"),
    ({"product": {"production_date": "20230230"}}, "product.production_date", "不是有效日期"),
    ({"send_by": "2023-08-11"}, "send_by", "晚于任务的结果报送期限"),
    ({"enterprise": {"postal_code": "48000"}}, "enterprise.postal_code", "6位数字"),
])
def test_dates_and_postal_codes_that_cannot_be_right_are_refused(archive, jincheng, write_trip,
                                                                 change, field, words):
    s0 = jincheng["samplings"][0]
    for key, value in change.items():
        if isinstance(value, dict):
            s0[key].update(value)
        else:
            s0[key] = value
    with pytest.raises(TripError) as err:
        archive.import_file(write_trip(jincheng), actor="测试员")
    (problem,) = err.value.problems
    assert (problem.record, problem.field) == ("JC2023DX0001", field) and words in problem.message
    assert "product." not in str(problem) and "send_by" not in str(problem)  # labels, not paths


@pytest.mark.parametrize("made", ["2023-01-08", "2022-12", "2023年1月8日", "/", "见批号", "2023-03"])
def test_production_dates_that_can_be_right_are_accepted(archive, jincheng, write_trip, made):
    jincheng["samplings"][0]["product"]["production_date"] = made
    archive.import_file(write_trip(jincheng), actor="测试员")
    assert row(archive, "JC2023DX0001").product["production_date"] == made


def test_odd_spaces_in_names_are_normalised_and_found_without_them(archive, jincheng, write_trip):
    jincheng["samplings"][2]["enterprise"]["name"] = "晋城市城区\u3000永兴五金\u00a0电料经销部\u200b"
    archive.import_file(write_trip(jincheng), actor="测试员")
    assert row(archive, "JC2023DX0003").enterprise.name == "晋城市城区 永兴五金 电料经销部"
    archive.generate(sample_no="JC2023DX0003", actor="测试员")
    found = archive.search("城区永兴五金电料")
    assert [g.sample_no for g in found.groups] == ["JC2023DX0003"]


def test_the_correct_command_records_a_correction(archived, tmp_path):
    env = {"SPOTCHECK_HOME": str(archived.config.home), "SPOTCHECK_ACTOR": "命令行",
           "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "archive", "correct", "JC2023DX0002", "--set", "抽样地点=三号库",
           "--reason", "地点笔误"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(DEMO.parent.parent))
    assert done.returncode == 0, done.stderr
    assert "更正已记录" in done.stdout
    assert row(archived, "JC2023DX0002").place == "三号库"
    bad = subprocess.run(cmd[:5] + ["--set", "单价=abc", "--reason", "x"], capture_output=True, text=True,
                         env=env, cwd=str(DEMO.parent.parent))
    assert bad.returncode == 1 and "单价" in bad.stderr and "Traceback" not in bad.stderr


def test_a_re_import_cannot_change_the_task_of_archived_records(archived, jincheng, write_trip):
    jincheng["task"]["basis"] = "另一个依据"
    with pytest.raises(TripError) as err:
        archived.import_file(write_trip(jincheng), actor="测试员")
    assert err.value.problems[0].field == "task.basis" and "不能修改任务信息" in str(err.value.problems[0])
    from archive.models import Task

    with archived.session() as s:
        assert s.scalars(select(Task).where(Task.code == TASK)).one().basis != "另一个依据"


def test_a_correction_whose_documents_cannot_be_made_is_not_saved(archived, monkeypatch):
    import docgen.packets

    real = docgen.packets.render_firm

    def render_firm(renderer, trip, sampling, blank):
        if sampling.place == "打印不出的地点":
            raise RuntimeError("a bug in a renderer")
        return real(renderer, trip, sampling, blank)

    monkeypatch.setattr(docgen.packets, "render_firm", render_firm)
    before = row(archived, "JC2023DX0002").place
    form = _form(archived, "JC2023DX0002", place="打印不出的地点")
    with pytest.raises(VisitProblems) as err:
        record_visit(archived, "JC2023DX0002", form, actor="审核员", reason="试")
    assert "更正未保存" in err.value.general[0] and "程序内部错误" in err.value.general[0]
    assert "RuntimeError" not in err.value.general[0] and "bug" not in err.value.general[0]
    assert row(archived, "JC2023DX0002").place == before
    with archived.session() as s:
        assert s.scalars(select(Correction)).all() == []


def test_importing_the_same_file_again_still_lists_where_the_register_differs(archived, jincheng,
                                                                              write_trip):
    path = write_trip(later_task(jincheng, name="晋城鑫达新材料有限公司"))
    first = archived.import_file(path, actor="测试员")
    again = archived.import_file(path, actor="测试员")  # nothing to write: still the question
    assert again.unchanged == ["JC2023DX0101"]
    assert [d.credit_code for d in again.register_differences] == [XINDA] == [
        d.credit_code for d in first.register_differences]
