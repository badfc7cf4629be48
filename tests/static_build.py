"""The production build of the static files, for the tests that need it.

Most tests run with ``DEBUG`` on at import (the plain ``StaticFilesStorage``: a file's URL is
its own name, nothing to collect first), which is what the unit tests of pages and scripts
want. The hashed build of production (``kneeapp.staticfiles.HashedStaticFilesStorage``) is
proven apart: ``collect`` runs the real ``collectstatic`` into a folder, and ``hashed``
switches the settings to it. tests/kneeapp/test_static_build.py checks the build itself
(rewritten imports, cache headers, every page and admin page rendered through the strict
manifest); every browser test runs on it (tests/browser/conftest.py), as production does.
"""

import contextlib
import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

BACKEND = "kneeapp.staticfiles.HashedStaticFilesStorage"
STATIC_URL_IN_PAGE = re.compile(r"""["'(](/static/[^"'()?#\s]+)""")


def hashed_storages() -> dict:
    return settings.STORAGES | {"staticfiles": {"BACKEND": BACKEND}}


def collect(root: Path, **overrides) -> Path:
    """``collectstatic`` into ``root`` with the production storage; ``overrides`` are
    settings for the run (say, ``STATICFILES_DIRS`` from a changed copy)."""
    with override_settings(STATIC_ROOT=root, STORAGES=hashed_storages(), **overrides):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@contextlib.contextmanager
def hashed(root: Path):
    """The settings of production's static files: names hashed from ``root``'s manifest
    (``{% static %}`` fails on a file missing from it), served from ``root``."""
    with override_settings(STATIC_ROOT=root, STORAGES=hashed_storages()):
        yield root


def static_urls(text: str) -> set[str]:
    """Every /static/ URL a page or script names."""
    return set(STATIC_URL_IN_PAGE.findall(text))


def missing(root: Path, urls) -> list[str]:
    """Those of ``urls`` that are no file of the build in ``root``."""
    prefix = settings.STATIC_URL
    return sorted(url for url in urls if not (root / url.removeprefix(prefix)).is_file())
