"""The README documents every form, command and setting (as datasette checks its docs)."""
from dataclasses import fields
from pathlib import Path

import pytest

from docgen.cli import parser
from docgen.settings import Settings
from docgen.specs import FORMS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", FORMS)
def test_every_form_is_in_the_readme_with_its_title(code):
    assert f"`{code}`" in README and FORMS[code].title in README


def test_every_docgen_command_is_in_the_readme():
    commands = parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"python -m docgen {name}" in README, name


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_in_the_readme(name):
    assert f"`{name}`" in README
