"""The app shell in real Chromium: loads on a phone, installs its service worker, works offline."""

import pytest

from tests.browser.conftest import wait_for_service_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_loads_on_a_phone_and_works_offline_after_the_first_visit(page, phone):
    page.goto("/")
    assert page.get_by_role("heading", level=1).is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the page scrolls sideways on a 360 px phone"
    wait_for_service_worker(page)
    assert page.locator("#offline-banner").is_hidden()

    phone.set_offline(True)
    page.reload()
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("#offline-banner").is_visible()

    page.goto("/account/")  # never visited: the offline page answers
    assert "offline" in page.get_by_role("heading", level=1).inner_text().lower()


def test_a_new_service_worker_version_replaces_the_old_caches(page, phone, settings):
    page.goto("/")
    wait_for_service_worker(page)
    names = page.evaluate("caches.keys()")
    assert any(name.startswith("kneeapp-shell-") for name in names)
    page.evaluate(
        "caches.open('kneeapp-shell-old').then(cache => cache.put('/old', new Response('x')))"
    )
    # Activating the worker again (as a new version would) removes every other kneeapp cache.
    page.evaluate("""navigator.serviceWorker.getRegistration().then(r => r.unregister())""")
    page.reload()
    wait_for_service_worker(page)
    page.wait_for_function("caches.keys().then(k => !k.includes('kneeapp-shell-old'))")
