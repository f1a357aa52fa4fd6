"""Unverified rules are settings: a TOML file changes what the forms print."""
from __future__ import annotations

import pytest

from docgen.loading import load_trip
from docgen.render import Renderer
from docgen.settings import Settings, SettingsError, load_settings
from tests.conftest import pdf_text


def test_defaults_without_a_file(monkeypatch):
    monkeypatch.delenv("SPOTCHECK_SETTINGS", raising=False)
    assert load_settings() == Settings()


def test_a_settings_file_overrides_copies_and_terms(tmp_path, jincheng, write_trip):
    path = tmp_path / "settings.toml"
    path.write_text('objection_days = 20\nbackup_hold = "6个月"\n'
                    '[copies.payment_slip]\nunit = "联"\nholders = ["甲", "乙", "丙"]\n',
                    encoding="utf-8")
    settings = load_settings(path)
    renderer = Renderer(settings)
    trip = load_trip(write_trip(jincheng), settings=settings)
    s = trip.samplings[0]
    parts = renderer.pdf_parts("payment_slip", trip, s, False)
    assert [p.title for p in parts if p.pages] == ["第一联　甲", "第二联　乙", "第三联　丙"]
    pdf, pages = renderer.write_pdf(parts, title="t", author="a")
    assert pages == 3 and "一式三联" in pdf_text(pdf)
    seal, _ = renderer.write_pdf(renderer.pdf_parts("seal_notice", trip, s, False), title="t",
                                 author="a")
    assert "20日内" in pdf_text(seal) and "异议期满后6个月" in pdf_text(seal)


def test_the_environment_variable_names_the_settings_file(tmp_path, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text("min_samplers = 3\n", encoding="utf-8")
    monkeypatch.setenv("SPOTCHECK_SETTINGS", str(path))
    assert load_settings().min_samplers == 3


@pytest.mark.parametrize("text, message", [
    ("no_such_setting = 1\n", "未知设置项"),
    ("objection_days = \n", "无法读取"),
])
def test_a_bad_settings_file_is_refused_with_a_message(tmp_path, text, message):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(path)


def test_three_samplers_required_when_configured(jincheng, write_trip):
    from docgen.loading import TripError
    with pytest.raises(TripError) as err:
        load_trip(write_trip(jincheng), settings=Settings(min_samplers=3))
    assert err.value.problems[0].record == "samplers"


def test_a_blank_packet_from_a_filled_trip_prints_no_site_values(renderer, jincheng, write_trip):
    trip = load_trip(write_trip(jincheng), blank=True)
    s = trip.samplings[0]
    pdf, _ = renderer.write_pdf(renderer.pdf_parts("sampling_slip", trip, s, True), title="t",
                                author="a")
    text = pdf_text(pdf)
    assert "晋城市泽州县鑫达电缆有限公司" in text and "JC2023DX0001" in text
    assert "聚氯乙烯绝缘电缆电线" not in text and "¥168.00" not in text and "JC-FY-0001" not in text
