"""Reading trip files: every bad value is reported as (record, field, message), all at once,
and good trips come back as typed records (Decimal money, dates, resolved photo paths)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from docgen.loading import Problem, TripError, load_trip, parse_trip
from docgen.photos import inspect_photo
from tests.conftest import DEMO

JINCHENG = DEMO / "trip-jincheng-cable.json"
QINGPU = DEMO / "trip-qingpu-blank.json"


# -- helpers ---------------------------------------------------------------------------------

def record(trip: dict, sample_no: str) -> dict:
    """The raw entry of one firm visit, to mutate."""
    return next(s for s in trip["samplings"] if s["sample_no"] == sample_no)


def problems_of(call, *args, **kwargs) -> list[Problem]:
    with pytest.raises(TripError) as info:
        call(*args, **kwargs)
    assert info.value.problems, "a TripError must say what is wrong"
    return info.value.problems


def parse_problems(data: dict, **kwargs) -> list[Problem]:
    return problems_of(parse_trip, data, trip_dir=DEMO, **kwargs)


def the_problem(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def pairs(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.record, p.field) for p in problems}


def check_photo(path: Path) -> None:
    inspect_photo(path)


# -- good inputs -----------------------------------------------------------------------------

def test_the_jincheng_demo_trip_loads_with_every_check_on(renderer):
    trip = load_trip(JINCHENG, check_text=renderer.fonts.missing, check_photo=check_photo)
    assert trip.source == JINCHENG
    assert [s.sample_no for s in trip.samplings] == [f"JC2023DX000{i}" for i in range(1, 7)]
    assert [s.outcome for s in trip.samplings] == ["sampled"] * 4 + ["refused", "no_sample"]
    assert len(trip.samplers) == 2


def test_amounts_are_decimals_and_the_sampling_amount_is_price_times_units_bought():
    trip = load_trip(JINCHENG)
    for s in trip.samplings[:4]:
        assert isinstance(s.unit_price, Decimal)
    assert trip.sampling("JC2023DX0001").unit_price == Decimal("168.00")
    assert trip.sampling("JC2023DX0002").amount == Decimal("3015.00")
    assert trip.sampling("JC2023DX0004").amount == Decimal("171.99")
    assert trip.sampling("JC2023DX0004").online.paid == Decimal("172.00")
    assert trip.sampling("JC2023DX0005").amount is None


def test_dates_and_times_are_parsed_into_date_objects():
    trip = load_trip(JINCHENG)
    assert trip.task.valid_from.isoformat() == "2023-01-10"
    assert trip.trip_date.isoformat() == "2023-03-15"
    s = trip.sampling("JC2023DX0001")
    assert s.sampled_at.isoformat() == "2023-03-15T10:20:00"
    assert s.send_by.isoformat() == "2023-03-20"


def test_photo_paths_are_resolved_against_the_trip_files_folder(jincheng, write_trip):
    path = write_trip(jincheng)
    trip = load_trip(path, check_photo=check_photo)
    photo = trip.sampling("JC2023DX0001").photos[0]
    assert photo.file == path.parent / "photos" / "site-0001.jpg"
    assert photo.file.is_file()
    assert photo.caption == "抽样现场"


def test_the_qingpu_trip_without_outcomes_loads_as_a_blank_trip(renderer):
    trip = load_trip(QINGPU, blank=True, check_text=renderer.fonts.missing)
    assert len(trip.samplings) == 3
    assert all(s.outcome is None and s.unit_price is None for s in trip.samplings)


def test_a_filled_trip_can_also_be_loaded_as_blank(jincheng):
    trip = parse_trip(jincheng, trip_dir=DEMO, blank=True)
    assert len(trip.samplings) == 6


def test_a_credit_code_typed_in_lower_case_with_spaces_and_hyphens_is_normalised(jincheng):
    record(jincheng, "JC2023DX0002")["enterprise"]["credit_code"] = "9114 0581-7319 1546 6d"
    trip = parse_trip(jincheng, trip_dir=DEMO)
    assert trip.sampling("JC2023DX0002").enterprise.credit_code == "91140581731915466D"


def test_a_manufacturer_without_credit_code_is_accepted(jincheng):
    record(jincheng, "JC2023DX0003")["manufacturer"]["credit_code"] = ""
    trip = parse_trip(jincheng, trip_dir=DEMO)
    assert trip.sampling("JC2023DX0003").manufacturer.credit_code == ""


def test_a_utf8_file_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "trip.json"
    path.write_bytes(b"\xef\xbb\xbf" + JINCHENG.read_bytes())
    assert len(load_trip(path).samplings) == 6


# -- credit codes ----------------------------------------------------------------------------

@pytest.mark.parametrize("sample_no, party, code, message", [
    pytest.param("JC2023DX0002", "enterprise", "91140581731915466E", "校验位", id="check-char"),
    pytest.param("JC2023DX0002", "enterprise", "9114058173191O466D", "不允许的字符 O",
                 id="letter-O"),
    pytest.param("JC2023DX0002", "enterprise", "91140581731915466I", "不允许的字符 I",
                 id="letter-I"),
    pytest.param("JC2023DX0002", "enterprise", "9114058173191546", "应为18位，实为16位",
                 id="too-short"),
    pytest.param("JC2023DX0002", "enterprise", "91140581731915466DD", "实为19位", id="too-long"),
    pytest.param("JC2023DX0002", "enterprise", "91A40581731915466D", "行政区划码",
                 id="letter-in-region-code"),
    pytest.param("JC2023DX0002", "enterprise", "", "必填项为空", id="missing"),
    pytest.param("JC2023DX0003", "manufacturer", "91130528MA07Q1RXX0", "校验位",
                 id="manufacturer-check-char"),
])
def test_a_bad_credit_code_names_the_record_and_the_credit_code_field(
        jincheng, sample_no, party, code, message):
    record(jincheng, sample_no)[party]["credit_code"] = code
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == (sample_no, f"{party}.credit_code")
    assert message in problem.message


# -- samplers --------------------------------------------------------------------------------

@pytest.mark.parametrize("samplers, expected, message", [
    pytest.param([{"name": "王建国"}], {("samplers", "samplers.names")}, "只有 1 名", id="one"),
    pytest.param([{"name": "王建国"}, {"name": "王建国"}], {("samplers", "samplers.names")},
                 "只有 1 名", id="same-name-twice"),
    pytest.param([], {("samplers", "samplers.names")}, "只有 0 名", id="empty-list"),
    pytest.param([{"name": "王建国"}, {"name": ""}],
                 {("samplers", "samplers.names"), ("samplers[2]", "samplers.names")}, "只有 1 名",
                 id="second-without-name"),
    pytest.param(None, {("samplers", "samplers.names")}, "缺少抽样人员名单", id="absent"),
])
def test_fewer_than_two_samplers_are_refused_under_the_samplers_section(
        jincheng, samplers, expected, message):
    if samplers is None:
        del jincheng["samplers"]
    else:
        jincheng["samplers"] = samplers
    problems = parse_problems(jincheng)
    assert pairs(problems) == expected
    assert any(message in p.message for p in problems if p.record == "samplers")


# -- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("section, key, value, record_, field", [
    pytest.param("task", "valid_from", "2023-02-30", "task", "task.valid_from", id="feb-30"),
    pytest.param("task", "valid_to", "2023-13-01", "task", "task.valid_to", id="month-13"),
    pytest.param("task", "result_due", "明年", "task", "task.result_due", id="words"),
    pytest.param(None, "trip_date", "15/03/2023", "trip", "trip_date", id="day-first"),
])
def test_an_invalid_date_is_refused_with_its_section_and_field(
        jincheng, section, key, value, record_, field):
    (jincheng[section] if section else jincheng)[key] = value
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == (record_, field)
    assert value in problem.message and "日期" in problem.message


def test_an_invalid_sampling_time_is_refused(jincheng):
    record(jincheng, "JC2023DX0003")["sampled_at"] = "2023-03-16 25:00"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0003", "sampled_at")
    assert "时间" in problem.message


def test_a_validity_period_that_ends_before_it_starts_is_refused(jincheng):
    jincheng["task"]["valid_to"] = "2023-01-01"
    problems = parse_problems(jincheng)
    assert ("task", "task.valid_to") in pairs(problems)


@pytest.mark.parametrize("sampled_at, inside", [
    ("2023-01-10 00:00", True),  # first day of validity
    ("2023-07-31 23:59", True),  # last day of validity
    ("2023-01-09 23:59", False),
    ("2023-08-01 08:00", False),
    ("2022-03-15 10:20", False),
])
def test_sampling_outside_the_notices_validity_is_refused(jincheng, sampled_at, inside):
    entry = record(jincheng, "JC2023DX0001")
    entry["sampled_at"] = sampled_at
    entry["send_by"] = "2023-08-05"  # keep the send-by check out of the way
    entry["product"]["production_date"] = "2022-01-08"  # and the production-date check
    if inside:
        parse_trip(jincheng, trip_dir=DEMO)
        return
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "sampled_at")
    assert "有效期" in problem.message and "2023-07-31" in problem.message


@pytest.mark.parametrize("send_by, ok", [("2023-03-14", False), ("2023-03-15", True),
                                         ("2023-03-20", True)])
def test_a_send_by_date_before_the_sampling_is_refused(jincheng, send_by, ok):
    record(jincheng, "JC2023DX0001")["send_by"] = send_by  # sampled 2023-03-15 10:20
    if ok:
        parse_trip(jincheng, trip_dir=DEMO)
        return
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "send_by")
    assert "早于抽样时间" in problem.message


# -- money -----------------------------------------------------------------------------------

def test_a_python_float_price_is_refused(jincheng):
    record(jincheng, "JC2023DX0001")["unit_price"] = 168.5
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "price.unit")
    assert "浮点数" in problem.message


def test_a_python_float_online_payment_is_refused(jincheng):
    record(jincheng, "JC2023DX0004")["online"]["paid"] = 172.0
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0004", "online.paid")


def test_a_json_number_price_with_two_places_is_read_exactly_as_decimal(jincheng, write_trip):
    record(jincheng, "JC2023DX0001")["unit_price"] = 168.5
    path = write_trip(jincheng)
    assert '"unit_price": 168.5,' in path.read_text(encoding="utf-8")  # a JSON number
    assert load_trip(path).sampling("JC2023DX0001").unit_price == Decimal("168.50")


@pytest.mark.parametrize("price", ["1.005", 1.005], ids=["string", "json-number"])
def test_a_price_with_three_decimal_places_is_refused_rather_than_rounded(
        jincheng, write_trip, price):
    record(jincheng, "JC2023DX0001")["unit_price"] = price
    problem = the_problem(problems_of(load_trip, write_trip(jincheng)))
    assert (problem.record, problem.field) == ("JC2023DX0001", "price.unit")
    assert "两位小数" in problem.message


@pytest.mark.parametrize("price, message", [
    ("-1.00", "负数"),
    ("-0.01", "负数"),
    ("abc", "不是有效金额"),
    ("12元", "不是有效金额"),
    ("NaN", "不是有效金额"),
    ("Infinity", "不是有效金额"),
    ("1000000000000.00", "过大"),
    ("", "必填项为空"),
    (True, "bool"),
    ([168], "list"),
])
def test_a_bad_price_is_refused_on_the_unit_price_field(jincheng, price, message):
    record(jincheng, "JC2023DX0001")["unit_price"] = price
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "price.unit")
    assert message in problem.message


@pytest.mark.parametrize("price, expected", [
    ("168", "168.00"), (168, "168.00"), ("168.5", "168.50"), ("¥168.00", "168.00"),
    ("1,005.00", "1005.00"), (" 168.00 ", "168.00"), ("0", "0.00"),
])
def test_a_price_written_as_a_decimal_string_or_integer_is_accepted(jincheng, price, expected):
    record(jincheng, "JC2023DX0001")["unit_price"] = price
    trip = parse_trip(jincheng, trip_dir=DEMO)
    assert trip.sampling("JC2023DX0001").unit_price == Decimal(expected)


@pytest.mark.parametrize("price", ["168,50", "168，50", "1,0,0,5"])
def test_a_comma_that_is_not_a_thousands_separator_is_refused_not_dropped(jincheng, price):
    # "168,50" is 168.50 written with a decimal comma: reading it as 16850.00 would pay the
    # firm a hundred times the price.
    record(jincheng, "JC2023DX0001")["unit_price"] = price
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "price.unit")


@pytest.mark.parametrize("bought", ["3", 0, -1, True, 2.5], ids=repr)
def test_units_bought_must_be_a_positive_whole_number(jincheng, bought):
    record(jincheng, "JC2023DX0001")["quantity"]["bought"] = bought
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "quantity.bought")
    assert "正整数" in problem.message


# -- sample numbers --------------------------------------------------------------------------

def test_a_duplicate_sample_number_is_reported_once_with_its_count(jincheng):
    record(jincheng, "JC2023DX0002")["sample_no"] = "JC2023DX0001"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "sample_no")
    assert "重复" in problem.message and "2 次" in problem.message


def test_a_sample_number_used_three_times_is_reported_once_with_count_three(jincheng):
    for no in ("JC2023DX0002", "JC2023DX0003"):
        record(jincheng, no)["sample_no"] = "JC2023DX0001"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "sample_no")
    assert "3 次" in problem.message


def test_sample_numbers_differing_only_in_letter_case_are_refused_as_duplicates(jincheng):
    # On Windows and macOS the two firm folders (and every file in them) would be the same.
    record(jincheng, "JC2023DX0002")["sample_no"] = "jc2023dx0001"
    problems = parse_problems(jincheng)
    assert any(p.field == "sample_no" and "重复" in p.message for p in problems)


@pytest.mark.parametrize("sample_no", [
    "../JC2023DX0001", "JC2023/DX0001", "/etc", "..", "JC2023DX0001\\..", ".JC2023DX0001",
    "-JC2023DX0001", "JC2023 DX0001", "JC2023DX0001:1", "JC2023DX０００1", "A" * 41,
])
def test_a_sample_number_that_is_not_a_safe_file_name_is_refused(jincheng, sample_no):
    record(jincheng, "JC2023DX0001")["sample_no"] = sample_no
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == (sample_no, "sample_no")
    assert "只能含字母、数字" in problem.message


@pytest.mark.parametrize("sample_no", ["A" * 40, "JC-2023_01", "1"])
def test_a_sample_number_of_letters_digits_hyphen_and_underscore_is_accepted(jincheng, sample_no):
    record(jincheng, "JC2023DX0001")["sample_no"] = sample_no
    assert parse_trip(jincheng, trip_dir=DEMO).samplings[0].sample_no == sample_no


def test_a_record_without_sample_number_is_refused(jincheng):
    del record(jincheng, "JC2023DX0006")["sample_no"]
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("samplings", "sample_no")
    assert "必填项为空" in problem.message


def test_a_trip_without_samplings_is_refused(jincheng):
    jincheng["samplings"] = []
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("samplings", "samplings")


# -- what each outcome needs -----------------------------------------------------------------

@pytest.mark.parametrize("sample_no, path, field", [
    ("JC2023DX0001", ("product", "model"), "product.model"),
    ("JC2023DX0001", ("product", "name"), "product.name"),
    ("JC2023DX0001", ("quantity", "test"), "quantity.test"),
    ("JC2023DX0001", ("quantity", "backup"), "quantity.backup"),
    ("JC2023DX0001", ("quantity", "bought"), "quantity.bought"),
    ("JC2023DX0001", ("seal", "seal_no"), "seal.seal_no"),
    ("JC2023DX0001", ("seal", "backup_location"), "seal.backup_location"),
    ("JC2023DX0001", ("unit_price",), "price.unit"),
    ("JC2023DX0001", ("place",), "place"),
    ("JC2023DX0001", ("sampled_at",), "sampled_at"),
    ("JC2023DX0001", ("enterprise", "name"), "enterprise.name"),
    ("JC2023DX0004", ("online", "order_no"), "online.order_no"),
    ("JC2023DX0005", ("refusal", "description"), "refusal.description"),
    ("JC2023DX0005", ("sampled_at",), "sampled_at"),
    ("JC2023DX0005", ("product", "name"), "product.name"),
    ("JC2023DX0006", ("no_sample", "reason"), "no_sample.reason"),
    ("JC2023DX0006", ("no_sample", "description"), "no_sample.description"),
], ids=lambda v: ".".join(v) if isinstance(v, tuple) else v)
def test_a_field_the_outcome_needs_is_required(jincheng, sample_no, path, field):
    node = record(jincheng, sample_no)
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == (sample_no, field)
    assert "必填项为空" in problem.message


@pytest.mark.parametrize("sample_no, section, expected", [
    ("JC2023DX0005", "refusal", {"refusal"}),
    ("JC2023DX0006", "no_sample", {"no_sample"}),
    ("JC2023DX0001", "seal", {"seal", "seal.seal_no", "seal.backup_location"}),
])
def test_a_section_the_outcome_needs_is_required(jincheng, sample_no, section, expected):
    del record(jincheng, sample_no)[section]
    problems = parse_problems(jincheng)
    assert pairs(problems) == {(sample_no, f) for f in expected}
    assert any(p.field == section and "缺少此部分" in p.message for p in problems)


def test_a_refused_or_no_sample_visit_needs_no_model_price_or_seal(jincheng):
    for no in ("JC2023DX0005", "JC2023DX0006"):
        entry = record(jincheng, no)
        entry["product"] = {"name": entry["product"]["name"]}
        for key in ("unit_price", "seal", "quantity", "place"):
            entry.pop(key, None)
    parse_trip(jincheng, trip_dir=DEMO)


def test_an_online_shops_sampling_needs_the_online_order(jincheng):
    del record(jincheng, "JC2023DX0004")["online"]
    problems = parse_problems(jincheng)
    assert pairs(problems) == {("JC2023DX0004", f"online.{k}")
                               for k in ("platform", "shop", "url", "order_no")}


def test_a_no_sample_reason_outside_the_allowed_list_is_refused(jincheng):
    record(jincheng, "JC2023DX0006")["no_sample"]["reason"] = "跑路"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0006", "no_sample.reason")
    assert "跑路" in problem.message and "停产" in problem.message


def test_a_missing_outcome_without_blank_suggests_the_blank_option(jincheng):
    del record(jincheng, "JC2023DX0001")["outcome"]
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "outcome")
    assert "--blank" in problem.message


def test_the_qingpu_trip_without_blank_reports_every_firm_and_suggests_blank(qingpu):
    problems = parse_problems(qingpu)
    assert pairs(problems) == {(f"QP2024JS000{i}", "outcome") for i in (1, 2, 3)}
    assert all("--blank" in p.message for p in problems)


def test_an_unknown_outcome_is_reported_once_as_unknown(jincheng):
    record(jincheng, "JC2023DX0001")["outcome"] = "tested"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "outcome")
    assert "tested" in problem.message


# -- photos ----------------------------------------------------------------------------------

def test_a_missing_photo_file_is_refused(jincheng, write_trip):
    record(jincheng, "JC2023DX0001")["photos"][0]["file"] = "photos/no-such-photo.jpg"
    problem = the_problem(problems_of(load_trip, write_trip(jincheng), check_photo=check_photo))
    assert (problem.record, problem.field) == ("JC2023DX0001", "photos[1].file")
    assert "不存在" in problem.message and "no-such-photo.jpg" in problem.message


@pytest.mark.parametrize("index", [1, 2])
def test_a_text_file_renamed_jpg_is_refused_on_its_own_photo_entry(jincheng, write_trip, index):
    record(jincheng, "JC2023DX0001")["photos"][index - 1]["file"] = "photos/notes.jpg"
    path = write_trip(jincheng)
    (path.parent / "photos" / "notes.jpg").write_text("这不是照片\n", encoding="utf-8")
    problem = the_problem(problems_of(load_trip, path, check_photo=check_photo))
    assert (problem.record, problem.field) == ("JC2023DX0001", f"photos[{index}].file")
    assert "无法识别" in problem.message


def test_a_broken_photo_shared_by_two_records_is_reported_for_each(jincheng, write_trip):
    record(jincheng, "JC2023DX0001")["photos"][0]["file"] = "photos/gone.jpg"
    record(jincheng, "JC2023DX0002")["photos"][0]["file"] = "photos/gone.jpg"
    problems = problems_of(load_trip, write_trip(jincheng), check_photo=check_photo)
    assert pairs(problems) == {("JC2023DX0001", "photos[1].file"),
                               ("JC2023DX0002", "photos[1].file")}


def test_a_photo_entry_without_file_name_is_refused(jincheng):
    record(jincheng, "JC2023DX0002")["photos"] = [{"caption": "产品标识"}]
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0002", "photos[1].file")


def test_photos_that_are_not_a_list_are_refused(jincheng):
    record(jincheng, "JC2023DX0002")["photos"] = "photos/site-0002.jpg"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0002", "photos")


def test_a_broken_photo_of_a_record_without_number_is_filed_under_no_number(jincheng, write_trip):
    entry = record(jincheng, "JC2023DX0001")
    del entry["sample_no"]
    entry["photos"][0]["file"] = "photos/gone.jpg"
    problems = problems_of(load_trip, write_trip(jincheng), check_photo=check_photo)
    photo = next(p for p in problems if p.field == "photos[1].file")
    assert photo.record == "(无编号)"


# -- text: fonts and control characters ------------------------------------------------------

@pytest.mark.parametrize("where, record_, field", [
    (("samplings", 0, "enterprise", "name"), "JC2023DX0001", "enterprise.name"),
    (("samplings", 1, "product", "name"), "JC2023DX0002", "product.name"),
    (("task", "name"), "task", "task.name"),
    (("agency", "address"), "agency", "agency.address"),
])
def test_a_character_no_font_has_is_refused_naming_its_code_point(
        jincheng, renderer, where, record_, field):
    node = jincheng
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] += "\U000F0000"
    problem = the_problem(parse_problems(jincheng, check_text=renderer.fonts.missing))
    assert (problem.record, problem.field) == (record_, field)
    assert "U+F0000" in problem.message


@pytest.mark.parametrize("char", ["𠮷", "䶮", "龘", "〇", "㮾"])
def test_a_rare_cjk_character_in_a_fallback_font_is_accepted(jincheng, renderer, char):
    record(jincheng, "JC2023DX0001")["enterprise"]["name"] = f"晋城市{char}达电缆有限公司"
    trip = parse_trip(jincheng, trip_dir=DEMO, check_text=renderer.fonts.missing)
    assert char in trip.sampling("JC2023DX0001").enterprise.name


def test_a_lone_surrogate_escape_in_the_json_is_refused_not_crashed_on(jincheng, renderer,
                                                                       tmp_path):
    record(jincheng, "JC2023DX0001")["enterprise"]["contact"] = "刘\ud800红"
    path = tmp_path / "trip.json"
    path.write_text(json.dumps(jincheng, ensure_ascii=True), encoding="ascii")
    problems = problems_of(load_trip, path, check_text=renderer.fonts.missing)
    problem = next(p for p in problems if p.field == "enterprise.contact")
    assert problem.record == "JC2023DX0001" and "U+D800" in problem.message


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0c", "\x1b", "\x7f", "\x85"],
                         ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_a_field_is_refused(jincheng, char):
    record(jincheng, "JC2023DX0001")["enterprise"]["address"] = f"山西省晋城市{char}泽州县"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "enterprise.address")
    assert f"U+{ord(char):04X}" in problem.message


def test_a_control_character_in_a_multiline_description_is_refused(jincheng):
    record(jincheng, "JC2023DX0005")["refusal"]["description"] = "企业拒绝抽样。\x0c第二页"
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0005", "refusal.description")
    assert "控制字符" in problem.message


def test_a_text_longer_than_the_limit_is_refused(jincheng):
    record(jincheng, "JC2023DX0001")["enterprise"]["address"] = "路" * 2001
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == ("JC2023DX0001", "enterprise.address")
    assert "过长" in problem.message and "2001" in problem.message


def test_a_tab_is_turned_into_a_space_and_accepted(jincheng):
    record(jincheng, "JC2023DX0001")["enterprise"]["name"] = "晋城市\t鑫达电缆有限公司"
    trip = parse_trip(jincheng, trip_dir=DEMO)
    assert trip.sampling("JC2023DX0001").enterprise.name == "晋城市 鑫达电缆有限公司"


def test_a_line_break_in_a_single_line_field_becomes_a_space(jincheng):
    record(jincheng, "JC2023DX0001")["place"] = "成品\r\n库房"
    assert parse_trip(jincheng, trip_dir=DEMO).sampling("JC2023DX0001").place == "成品 库房"


def test_a_multiline_description_keeps_its_line_breaks(jincheng):
    record(jincheng, "JC2023DX0005")["refusal"]["description"] = "第一行\r\n第二行"
    trip = parse_trip(jincheng, trip_dir=DEMO)
    assert trip.sampling("JC2023DX0005").refusal.description == "第一行\n第二行"


# -- all problems at once, and the report ----------------------------------------------------

def test_every_problem_in_the_file_is_reported_in_one_error(jincheng, write_trip, renderer):
    record(jincheng, "JC2023DX0002")["enterprise"]["credit_code"] = "91140581731915466E"
    record(jincheng, "JC2023DX0004")["unit_price"] = "-1"
    record(jincheng, "JC2023DX0006")["no_sample"]["reason"] = "跑路"
    record(jincheng, "JC2023DX0001")["photos"][0]["file"] = "photos/gone.jpg"
    record(jincheng, "JC2023DX0003")["product"]["name"] += "\U000F0000"
    jincheng["task"]["valid_from"] = "2023-02-30"
    jincheng["samplers"] = jincheng["samplers"][:1]
    problems = problems_of(load_trip, write_trip(jincheng), check_text=renderer.fonts.missing,
                           check_photo=check_photo)
    assert pairs(problems) == {
        ("JC2023DX0002", "enterprise.credit_code"),
        ("JC2023DX0004", "price.unit"),
        ("JC2023DX0006", "no_sample.reason"),
        ("JC2023DX0001", "photos[1].file"),
        ("JC2023DX0003", "product.name"),
        ("task", "task.valid_from"),
        ("samplers", "samplers.names"),
    }
    assert len(problems) == 7


def test_the_report_starts_with_the_source_and_says_nothing_was_written(jincheng, write_trip):
    record(jincheng, "JC2023DX0002")["enterprise"]["credit_code"] = "91140581731915466E"
    record(jincheng, "JC2023DX0006")["no_sample"]["reason"] = "跑路"
    path = write_trip(jincheng)
    with pytest.raises(TripError) as info:
        load_trip(path)
    report = info.value.report()
    lines = report.splitlines()
    assert lines[0].startswith(str(path))
    assert "发现 2 处错误" in lines[0] and "未生成任何文件" in lines[0]
    assert len(lines) == 3
    assert "JC2023DX0002" in lines[1]
    assert "受检单位统一社会信用代码" in lines[1] and "enterprise." not in report
    assert "JC2023DX0006" in lines[2] and "未抽样原因" in lines[2]
    assert info.value.source == str(path)


@pytest.mark.parametrize("content, message", [
    (b'{"agency": ', "不是有效的 JSON 文件：第 1 行第 12 列附近格式有误"),
    (b"\xff\xfe{}", "不是 UTF-8 编码"),
    (b"[]", "JSON 对象"),
    (b"[" * 100000, "嵌套层次过深"),
])
def test_a_file_that_is_not_a_json_object_is_refused(tmp_path, content, message):
    path = tmp_path / "trip.json"
    path.write_bytes(content)
    problem = the_problem(problems_of(load_trip, path))
    assert (problem.record, problem.field) == ("trip", "trip")
    assert message in problem.message


def test_a_missing_trip_file_is_refused_with_a_trip_error(tmp_path):
    problem = the_problem(problems_of(load_trip, tmp_path / "nope.json"))
    assert (problem.record, problem.field) == ("trip", "trip")
    assert "无法读取文件" in problem.message


@pytest.mark.parametrize("number", ["CON", "nul", "COM1", "lpt9"])
def test_windows_reserved_names_are_refused_as_sample_numbers(jincheng, number):
    record(jincheng, "JC2023DX0006")["sample_no"] = number
    problem = the_problem(parse_problems(jincheng))
    assert (problem.record, problem.field) == (number, "sample_no")
    assert "保留名称" in problem.message


@pytest.mark.parametrize("key, value, words", [
    ("unit_price", "1E+400", "不是有效金额"), ("unit_price", "1e308", "不是有效金额"),
    ("unit_price", Decimal("1E+400"), "不是有效金额"), ("unit_price", "+5", "不是有效金额"),
    ("unit_price", "1000000000000", "金额过大"),
    ("bought", 10 ** 30, "购买数量过大"), ("bought", 1_000_001, "购买数量过大"),
    ("bought", Decimal("2.5"), "应为正整数，实为 2.5"), ("bought", "三", "应为正整数，实为 三"),
])
def test_amounts_and_counts_out_of_range_are_refused_with_plain_words(jincheng, key, value, words):
    entry = record(jincheng, "JC2023DX0001")
    if key == "bought":
        entry["quantity"]["bought"] = value
    else:
        entry[key] = value
    problem = the_problem(parse_problems(jincheng))
    assert words in problem.message and "Decimal(" not in problem.message and "'" not in problem.message


def test_a_total_too_large_to_write_in_words_is_refused(jincheng):
    entry = record(jincheng, "JC2023DX0001")
    entry["unit_price"], entry["quantity"]["bought"] = "9999999999.00", 1000
    problem = the_problem(parse_problems(jincheng))
    assert problem.field == "price.unit" and "过大" in problem.message
