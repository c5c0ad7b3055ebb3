"""Login benchmark (issue #11): the time of a login with an unknown username, a wrong password and the right one,
through the login page with the production hash (scrypt), on a fresh SQLite file. The three must be alike.

    .venv/bin/python bench/login_bench.py [--runs 30]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grocery import create_app
from grocery.config import Config
from grocery.extensions import db

PASSWORD = "bench-password-123"  # noqa: S105


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="grocery-login-bench-")

    class LoginBenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/login.sqlite"
        WTF_CSRF_ENABLED = False
        LOGIN_MAX_FAILURES = 10**6  # measure the checks, not the throttle

    app = create_app(LoginBenchConfig)
    with app.app_context():
        db.create_all()
        from grocery.auth.services import create_user

        create_user(None, username="bench", password=PASSWORD, role="cashier")
        db.session.commit()
    client = app.test_client()
    cases = {"unknown user": ("nobody-here", "wrong-password-1"), "wrong password": ("bench", "wrong-password-1"),
             "right password": ("bench", PASSWORD)}
    times = {name: [] for name in cases}
    for run in range(args.runs + 1):
        for name, (username, password) in cases.items():
            started = time.perf_counter()
            response = client.post("/login", data={"username": username, "password": password})
            elapsed = (time.perf_counter() - started) * 1000
            if name == "right password":
                assert response.status_code == 302, response.status_code
                client.post("/logout")
            if run:
                times[name].append(elapsed)
    for name, values in times.items():
        print(f"{name:<15} median {statistics.median(values):6.1f} ms  "
              f"min {min(values):6.1f}  max {max(values):6.1f}  ({args.runs} runs, scrypt)")


if __name__ == "__main__":
    main()
