"""Locust user for the till load benchmark: a tablet that logs in, opens its till's screen, then sells without pause
(card lookup, quote, sale). Run by bench/load_bench.py, which writes the plan (GROCERY_LOAD_PLAN, a JSON file)."""

import itertools
import json
import os
import random
import re
import uuid

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["GROCERY_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
#: Each tablet takes the next cashier and till of the plan (one Locust process: a plain counter is enough).
_TABLETS = itertools.count()
#: Sales answered by this process; tablets stop when the plan's bound is reached.
_SALES = itertools.count(1)
_CSRF = re.compile(r'name="csrf[_-]token"\s+(?:value|content)="([^"]+)"')


class Tablet(FastHttpUser):
    wait_time = constant(0)  # a queue at every till: no think time

    def on_start(self) -> None:
        tablet = PLAN["tablets"][next(_TABLETS) % len(PLAN["tablets"])]
        self.rng = random.Random(tablet["till_id"])
        login = self.client.get("/login", name="login page")
        token = _CSRF.search(login.text).group(1)
        with self.client.post("/login", data={"csrf_token": token, "username": tablet["username"],
                                              "password": PLAN["password"]}, name="login",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login refused: {response.status_code}")
                raise StopUser()
        screen = self.client.get(f"/till/sessions/{tablet['till_id']}/screen", name="till screen")
        self.headers = {"X-CSRFToken": _CSRF.search(screen.text).group(1)}

    def _post(self, url: str, body: dict, name: str, expect: int):
        with self.client.post(url, data=json.dumps(body), headers={**self.headers, "Content-Type": "application/json"},
                              name=name, catch_response=True) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    @task
    def sell(self) -> None:
        card = self.rng.choice(PLAN["cards"])
        with self.client.get(f"/api/till/households/{card}", name="card lookup", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
        products = self.rng.sample(PLAN["products"], PLAN["lines_per_sale"])  # the same products, any order
        lines = [{"product_id": product_id, "quantity": 1} for product_id in products]
        self._post("/api/till/quote", {"household_card": card, "lines": lines}, "quote", 200)
        self._post("/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card, "lines": lines,
                                       "payment": {"method": "card"}}, "sale", 201)
        if next(_SALES) >= PLAN["max_sales"]:
            self.environment.runner.quit()
