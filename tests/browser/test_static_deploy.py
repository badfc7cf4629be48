"""Issue #17, point 4: a deploy of a new engine, seen by a phone online and offline.

The app runs as in production (gunicorn, ``DEBUG=false``, hashed static names collected by
``collectstatic``), from a copy of the static files' sources. The phone opens the checker
online (its service worker installed), goes offline; the engine and the knowledge base change
in the copy, are collected again and the server restarts: a deploy. Offline, the phone keeps
the old engine with the old knowledge base; one reload online gives it the new engine with
the new knowledge base, which then stay together offline too.
"""

import json
import shutil
import urllib.request

import pytest

from tests.browser.conftest import PHONE, wait_for_service_worker
from tests.processes import Processes, environment, manage
from triage.knowledge import DEFAULT_PATH

pytestmark = pytest.mark.browser

MARK = "globalThis.kneeappEngineBuild"  # set by the new engine only


def deploy(processes: Processes, env: dict, port: int | None = None):
    manage(env, "collectstatic", "--noinput")
    return processes.web(port=port)


def seen(page) -> dict:
    """What the page runs on: its engine (the new one marks itself) and the version of the
    knowledge base it loads (as checker.js does, through the service worker)."""
    return page.evaluate(
        f"""async () => {{
            const root = document.getElementById("checker");
            const knowledge = await fetch(root.dataset.knowledgeUrl).then((r) => r.json());
            const checker = document.querySelector('script[src*="/triage/checker."]').src;
            return {{
                engine: {MARK} ?? "old",
                knowledge: knowledge.version,
                knowledgeUrl: root.dataset.knowledgeUrl,
                checker,
            }};
        }}"""
    )


def header(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers["Cache-Control"]


def served(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_a_deploy_reaches_the_phone_engine_and_knowledge_together(browser, tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(DEFAULT_PATH.parents[2] / "static", sources / "static")
    shutil.copytree(DEFAULT_PATH.parent, sources / "knowledge")
    env = environment(
        DJANGO_SETTINGS_MODULE="tests.browser.deploy_settings",
        KNEEAPP_TEST_STATIC_SOURCES=str(sources),
        KNEEAPP_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEBUG="false",
        SECRET_KEY="a-test-only-secret-key-that-is-long-enough-for-django-checks-42",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
    )
    manage(env, "migrate", "--noinput")
    with Processes(env, tmp_path / "logs", kill=True) as processes:
        web = deploy(processes, env)
        context = browser.new_context(base_url=web.url, **PHONE)
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            page.goto("/triage/")
            wait_for_service_worker(page)
            page.reload()
            before = seen(page)
            version = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))["version"]
            assert before["engine"] == "old" and before["knowledge"] == version
            assert ".js" in before["checker"] and "/checker.js" not in before["checker"]
            engine_url = page.evaluate(
                "[...performance.getEntriesByType('resource')]"
                ".map((e) => e.name).find((n) => n.includes('/static/triage/engine.'))"
            )
            control = header(engine_url)
            assert "max-age=31536000" in control and "immutable" in control, control
            assert header(f"{web.url}/static/triage/engine.js") == "max-age=60, public"

            # The deploy, while the phone is offline.
            context.set_offline(True)
            with (sources / "static" / "triage" / "engine.js").open("a") as engine:
                engine.write(f'\n{MARK} = "new";\n')
            knowledge = sources / "knowledge" / "back_of_knee.json"
            data = json.loads(knowledge.read_text(encoding="utf-8"))
            data["version"] += ".1"
            knowledge.write_text(json.dumps(data, indent=1), encoding="utf-8")
            processes.stop(web.process)
            web = deploy(processes, env, port=web.port)

            page.reload()
            assert seen(page) == before  # offline: the old engine, the old knowledge base
            # A page left open from before the deploy still finds its own knowledge base.
            assert served(web.url + before["knowledgeUrl"])["version"] == version

            context.set_offline(False)
            page.reload()  # one reload online
            after = seen(page)
            assert after["engine"] == "new" and after["knowledge"] == version + ".1"
            assert after["checker"] != before["checker"]

            # The new worker takes over; offline again, the new pair stays together.
            page.wait_for_function(
                """async () => {
                    const names = await caches.keys();
                    const checker = document.querySelector('script[src*="/triage/checker."]');
                    return names.filter((name) => name.startsWith("kneeapp-shell-")).length === 1
                        && Boolean(await caches.match(checker.src));
                }"""
            )
            context.set_offline(True)
            page.reload()
            assert seen(page) == after
        finally:
            context.close()
