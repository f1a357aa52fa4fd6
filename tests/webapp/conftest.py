from __future__ import annotations

import re

import pytest

from archive.config import Config
from archive.service import Archive
from archive.users import create_user
from tests.conftest import DEMO
from webapp import create_app

PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, renderer):
    """An instance with the Jincheng trip archived and one user per role."""
    home = tmp_path_factory.mktemp("web") / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'db.sqlite'}", "test"), renderer=renderer)
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="test")
    archive.generate(task_code="JC2023-01-DX", actor="test")
    with archive.session() as s:
        for role in ("clerk", "mailing", "records", "admin"):
            create_user(s, role, PASSWORD, role, f"{role}用户")
    return archive


@pytest.fixture
def app(seeded):
    return create_app({"ARCHIVE": seeded, "ARCHIVE_CONFIG": seeded.config, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def login(client):
    def do(role: str, password: str = PASSWORD):
        page = client.get("/login").get_data(as_text=True)
        return client.post("/login", data={"username": role, "password": password,
                                           "csrf_token": csrf_of(page)})
    return do
