"""The Alembic migrations build exactly the schema the models declare, and upgrade old data."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from archive.db import upgrade
from archive.models import Base


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_build_the_schema_the_models_declare(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_existing_samplings_keep_the_firm_as_the_register_held_it(tmp_path):
    from alembic import command

    from archive.db import alembic_config

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = create_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        conn.execute(text("INSERT INTO agencies (id, kind, name, short_name, address, postal_code,"
                          " phone, contact, cma_no) VALUES (1, 'agency', 'A', 'a', '', '', '', '', '')"))
        conn.execute(text("INSERT INTO tasks (id, code, name, level, category, source, plan_doc_no,"
                          " product_category, basis, agency_id, institution_id) VALUES"
                          " (1, 'T1', 't', '', '监督抽查', '', '', '', '', 1, 1)"))
        conn.execute(text("INSERT INTO firms (id, credit_code, name, address, postal_code, legal_rep,"
                          " contact, phone, role) VALUES (1, '91140500MA0GRXYK2D', '老名字', '老地址',"
                          " '048000', '张三', '李四', '0356-1', '生产')"))
        conn.execute(text("INSERT INTO samplings (id, sample_no, task_id, firm_id, product,"
                          " product_name, batch, quantity, place, seal, send_to, notice_no, result,"
                          " report_no, result_remarks, lab_report_filename, result_by, ems_no) VALUES"
                          " (1, 'S1', 1, 1, '{}', '', '', '{}', '', '{}', '', '', '', '', '', '', '', '')"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        record = conn.execute(text("SELECT firm_record, maker_record FROM samplings")).one()
    import json

    assert json.loads(record[0])["name"] == "老名字"
    assert json.loads(record[0])["postal_code"] == "048000"
    assert record[1] is None
