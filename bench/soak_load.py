"""The soak's load generator: a few signed-in patients' phones, each a thread, for a while.

Run by bench/soak.py in a process of its own (``python -m bench.soak_load``, the config as
JSON on stdin, the figures as JSON on stdout), so that its threads and the benchmark's own
(the loopback SMTP server, the memory sampler) do not wait on one interpreter lock. Each
phone, with a short pause between calls, writes diary entries through the API (each with its
own UUID, as the phone's outbox does), posts triage assessments, and opens pages.
"""

import datetime as dt
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter

from bench import server

# A phone is not a benchmark client: it pauses between calls (seconds, uniform).
THINK = (0.05, 0.25)


def diary_body() -> dict:
    return {
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "pain": random.randint(0, 10),
        "swelling": random.choice(["none", "mild", "moderate"]),
        "stiffness": random.random() < 0.5,
        "notes": random.choice(["", "Stairs were hard.", "Better after stretching."]),
        "client_updated_at": dt.datetime.now(dt.UTC).isoformat(),
    }


# (kind, weight): what a patient's phone does, roughly as often as it does it.
ACTIONS = [
    ("diary PUT", 30),
    ("triage POST", 20),
    ("diary history page", 15),
    ("plan page", 15),
    ("plan API", 10),
    ("diary today page", 10),
]
# Path, and what only the signed-in patient's answer holds (the plan page answers anyone).
PAGES = {
    "diary history page": ("/diary/history/", b"Your diary"),
    "plan page": ("/plan/", b"Calf stretch against a wall"),
    "plan API": ("/api/v1/plan/", b"Calf stretch against a wall"),
    "diary today page": ("/diary/", b'name="pain"'),
}


class Patient(threading.Thread):
    def __init__(self, port: int, email: str, seed: int):
        super().__init__(daemon=True)
        self.session = server.Session(port, email)  # signed in before the clock starts
        self.until, self.random = 0.0, random.Random(seed)
        self.counts: Counter = Counter()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.diary_acknowledged: list[str] = []

    def call(self, kind: str) -> None:
        start = time.perf_counter()
        try:
            if kind == "diary PUT":
                entry_id = str(uuid.uuid4())
                status, _, body = self.session.call(
                    "PUT", f"/api/v1/diary/entries/{entry_id}/", diary_body()
                )
                ok = status == 201
                if ok:
                    self.diary_acknowledged.append(entry_id)
            elif kind == "triage POST":
                answers = {"heard_pop": self.random.random() < 0.5, "age": 45}
                data = {"id": str(uuid.uuid4()), "answers": answers}
                status, _, body = self.session.call("POST", "/api/v1/triage/assessments/", data)
                ok = status == 201
            else:
                path, marker = PAGES[kind]
                status, _, body = self.session.call("GET", path)
                ok = status == 200 and marker in body  # a signed-out page is an error too
        except OSError as error:
            status, ok = type(error).__name__, False
        self.latencies.append(time.perf_counter() - start)
        self.counts[kind] += 1
        if not ok:
            self.errors.append(f"{kind}: {status}")

    def run(self) -> None:
        kinds, weights = zip(*ACTIONS, strict=True)
        while time.monotonic() < self.until:
            self.call(self.random.choices(kinds, weights)[0])
            time.sleep(self.random.uniform(*THINK))


def generate(config: dict) -> dict:
    patients = [Patient(config["port"], email, seed) for seed, email in enumerate(config["emails"])]
    started = time.monotonic()
    for patient in patients:
        patient.until = started + config["seconds"]
        patient.start()
    for patient in patients:
        patient.join()
    elapsed = time.monotonic() - started
    latencies = sorted(x for patient in patients for x in patient.latencies)
    counts = sum((patient.counts for patient in patients), Counter())
    return {
        "seconds": elapsed,
        "counts": dict(counts),
        "requests": sum(counts.values()),
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "errors": [error for patient in patients for error in patient.errors],
        "diary_acknowledged": [x for patient in patients for x in patient.diary_acknowledged],
    }


if __name__ == "__main__":
    print(json.dumps(generate(json.loads(sys.stdin.read()))))
