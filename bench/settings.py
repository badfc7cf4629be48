"""Settings for the HTTP benchmarks: kneeapp's own, with a URLconf that adds the floor view.

The production URLconf stays as it is; only the server the benchmarks start serves
``/bench/hello/`` (see bench/urls.py). Everything else comes from the environment exactly
as in production (bench/server.py sets it).
"""

from kneeapp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
