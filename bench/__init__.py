"""The benchmarks, run by bench/run.py; ``row`` is the shape of what each one reports, and
the helpers below serve the reminders benchmarks, which run their parts and Celery workers
as subprocesses on a database and a Redis of their own."""

import os

from tests.processes import environment


def row(benchmark: str, median: str, target: str = "", met: bool | None = None) -> dict:
    """One line of the results table: what, the figure, the target, and whether it is met."""
    return {"benchmark": benchmark, "median": median, "target": target, "met": met}


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for a benchmark's details: the machine is shared,
    and a figure measured under load says so."""
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def subprocess_environment(database_url: str, redis_url: str, **extra: str) -> dict:
    """The environment of a benchmark's subprocesses and workers: its own database and Redis
    (never the developer's), quiet logs, and a site URL for the links in what is sent."""
    return environment(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
        SITE_URL="https://kneeapp.test",
        **extra,
    )
