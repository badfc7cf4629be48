"""Issue #17, point 4: hashed static names, cached for a year, precached by those names.

These tests run the real ``collectstatic`` with the production storage (once per run:
``collected_static`` in tests/conftest.py) and switch to it (``hashed_static``); the rest of
the unit tests keep the plain storage (tests/static_build.py says why). The browser tests
run on this build too, and tests/browser/test_static_deploy.py deploys a changed engine.
"""

import json
import re
import shutil

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.test import Client, override_settings

from kneeapp import pwa
from tests.patient_pages import make_world, pages
from tests.security.matrix_world import build_world, url_patterns
from tests.static_build import collect, hashed, missing, static_urls
from triage.knowledge import STATIC_NAME

HASHED = re.compile(r"\.[0-9a-f]{12}\.")
ONE_YEAR = "max-age=31536000"


def stored(name: str) -> str:
    return staticfiles_storage.stored_name(name)


def test_the_checkers_module_imports_are_rewritten_to_hashed_names(hashed_static):
    checker = (hashed_static / stored("triage/checker.js")).read_text()
    flow = (hashed_static / stored("triage/flow.js")).read_text()
    engine_name = stored("triage/engine.js").rsplit("/", 1)[1]
    flow_name = stored("triage/flow.js").rsplit("/", 1)[1]
    assert HASHED.search(engine_name) and HASHED.search(flow_name)
    assert 'from "./flow.js"' not in checker and f'from "./{flow_name}"' in checker
    assert f'from "./{engine_name}"' in checker
    assert f'from "./{engine_name}"' in flow
    # The plain names stay, as they are, for anything that asks for one.
    assert 'from "./engine.js"' in (hashed_static / "triage/checker.js").read_text()


def test_hashed_files_are_cached_for_a_year_and_plain_ones_briefly(hashed_static):
    client = Client()  # a new one: whitenoise reads the build when its middleware starts
    for name in ("triage/engine.js", "triage/checker.js", STATIC_NAME, "kneeapp/app.css"):
        response = client.get(static(name))
        assert HASHED.search(static(name)) and response.status_code == 200, name
        control = response.headers["Cache-Control"]
        assert ONE_YEAR in control and "immutable" in control, (name, control)
        plain = client.get(settings.STATIC_URL + name)
        assert plain.status_code == 200
        assert plain.headers["Cache-Control"] == "max-age=60, public", name
        assert b"".join(plain.streaming_content) == b"".join(response.streaming_content) or (
            name.endswith(".js")  # a script's imports name the hashed files
        )


def test_the_knowledge_base_is_the_servers_own_file_under_a_hashed_name(hashed_static):
    from triage.knowledge import DEFAULT_PATH

    assert (hashed_static / stored(STATIC_NAME)).read_bytes() == DEFAULT_PATH.read_bytes()


def precache(script: str) -> list[str]:
    return json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script)[1])


def test_the_service_worker_precaches_the_hashed_names(hashed_static, db):
    script = Client().get("/sw.js").content.decode()
    urls = precache(script)
    files = [url for url in urls if url.startswith(settings.STATIC_URL)]
    for name in ("triage/checker.js", "triage/flow.js", "triage/engine.js", STATIC_NAME):
        assert static(name) in files
    assert all(HASHED.search(url) for url in files), files
    assert not missing(hashed_static, static_urls(script) | set(files))
    assert f'const VERSION = "{pwa.shell_version()}"' in script


@override_settings(STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"])
def test_a_changed_engine_renames_the_scripts_that_import_it_and_the_worker_version(tmp_path):
    """Only the project's own files, to keep it quick; the engine changed in a copy."""
    sources = tmp_path / "static"
    shutil.copytree(settings.BASE_DIR / "static", sources)
    dirs = [sources, settings.STATICFILES_DIRS[1]]
    names, versions = [], []
    for build in ("before", "after"):
        if build == "after":
            with (sources / "triage" / "engine.js").open("a") as engine:
                engine.write("\n// a new engine\n")
        root = collect(tmp_path / build, STATICFILES_DIRS=dirs)
        with hashed(root), override_settings(STATICFILES_DIRS=dirs):
            names.append({name: stored(name) for name in (
                "triage/engine.js", "triage/flow.js", "triage/checker.js", STATIC_NAME,
                "kneeapp/app.js",
            )})  # fmt: skip
            versions.append(pwa.shell_version())
    before, after = names
    for name in ("triage/engine.js", "triage/flow.js", "triage/checker.js"):
        assert before[name] != after[name], name
    assert before[STATIC_NAME] == after[STATIC_NAME]
    assert before["kneeapp/app.js"] == after["kneeapp/app.js"]
    assert versions[0] != versions[1]


def check_page(client: Client, url: str, root) -> None:
    """The page renders through the strict manifest (a missing file raises ValueError), and
    every static file it names is in the build."""
    response = client.get(url)
    assert response.status_code < 500, url
    urls = static_urls(response.content.decode() if not response.streaming else "")
    assert not (absent := missing(root, urls)), f"{url} names {absent}"
    assert all(HASHED.search(url) for url in urls), f"{url}: a plain name in {urls}"


@pytest.mark.parametrize("persona", ["patient", "visitor"])
def test_every_patient_and_visitor_page_names_only_collected_files(
    persona, hashed_static, patient, physiotherapist
):
    world = make_world(patient, physiotherapist)
    client = Client()
    if persona == "patient":
        client.force_login(patient)
    for name in pages(persona):
        check_page(client, world.url(name), hashed_static)


def test_every_admin_page_and_every_other_url_names_only_collected_files(hashed_static, db):
    world = build_world()
    # One client each: a new one starts whitenoise again, which reads the whole build.
    clients = {persona: world.client(persona) for persona in ("administrator", "physiotherapist")}
    for pattern in url_patterns():
        for persona, client in clients.items():
            if persona == "administrator" or pattern.route.startswith("admin/"):
                check_page(client, world.url(pattern), hashed_static)
