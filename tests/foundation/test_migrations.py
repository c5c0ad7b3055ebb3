"""Migrations: one head, and an upgrade from an empty database gives exactly the models' schema."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from grocery import ROOT, create_app
from grocery.config import TestingConfig
from grocery.extensions import db


def test_single_head():
    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture()
def empty_database_url(tmp_path):
    """A new, empty database of the same kind as the test database."""
    test_url = os.environ.get("GROCERY_TEST_DATABASE_URL")
    if not test_url or test_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(test_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database_url):
    """Does `flask db upgrade` on an empty database give the models' schema, and downgrade undo it all?"""

    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.session.remove()
        db.engine.dispose()
