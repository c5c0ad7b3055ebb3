"""begin_write: read-modify-write transactions from several threads lose no update."""

import threading

from sqlalchemy import select

from grocery import create_app
from grocery.config import TestingConfig
from grocery.dbutil import begin_write
from grocery.extensions import db as _db
from grocery.settings.models import Setting


def test_concurrent_read_modify_write_on_a_sqlite_file(tmp_path):
    """Do 8 threads each adding 1 to a counter (read, then write) end with 8 on a SQLite file database?"""

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'race.sqlite'}"

    app = create_app(FileConfig)
    with app.app_context():
        _db.create_all()
        _db.session.add(Setting(key="race.counter", value=0))
        _db.session.commit()
    errors = []
    barrier = threading.Barrier(8)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                begin_write()
                row = _db.session.scalar(select(Setting).where(Setting.key == "race.counter"))
                row.value = row.value + 1
                _db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert errors == []
        assert _db.session.get(Setting, "race.counter").value == 8
        _db.session.remove()
        _db.engine.dispose()
