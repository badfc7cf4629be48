"""kneeapp's settings, with the static files' sources read from a copy of them
(``KNEEAPP_TEST_STATIC_SOURCES``): tests/browser/test_static_deploy.py changes a file there
and deploys again, and the repository's files are never touched."""

import os
from pathlib import Path

from kneeapp.settings import *  # noqa: F403

SOURCES = Path(os.environ["KNEEAPP_TEST_STATIC_SOURCES"])
STATICFILES_DIRS = [SOURCES / "static", ("triage/knowledge", SOURCES / "knowledge")]
