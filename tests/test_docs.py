"""The README documents every form, command and setting (as datasette checks its docs)."""
from dataclasses import fields
from pathlib import Path

import pytest

from docgen.settings import Settings
from docgen.specs import FORMS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", FORMS)
def test_every_form_is_in_the_readme_with_its_title(code):
    assert f"`{code}`" in README and FORMS[code].title in README


@pytest.mark.parametrize("package", ["docgen", "archive", "search", "webapp"])
def test_every_command_is_in_the_readme(package):
    import importlib

    cli = importlib.import_module(f"{package}.cli" if package != "webapp" else "webapp.__main__")
    for name in cli.parser()._subparsers._group_actions[0].choices:
        assert f"python -m {package} {name}" in README, name


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_in_the_readme(name):
    assert f"`{name}`" in README
