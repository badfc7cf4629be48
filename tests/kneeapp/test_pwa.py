"""The installable shell: manifest, service worker, offline page, headers on every page."""

import json
import struct

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse


def png_size(path):
    with open(path, "rb") as file:
        head = file.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_the_manifest_makes_the_app_installable(client, db):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] and manifest["start_url"]
    assert manifest["theme_color"].startswith("#")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert path, icon["src"]
        width, height = png_size(path)
        assert f"{width}x{height}" == icon["sizes"]


def test_the_service_worker_is_served_from_the_root_with_a_versioned_precache(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'const VERSION = "' in body
    precache = json.loads(body.split("const PRECACHE = ")[1].split(";\n")[0])
    assert "/offline/" in precache and "/" in precache
    for url in precache:
        assert client.get(url).status_code == 200 or url.startswith(settings.STATIC_URL)
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url


def test_the_offline_page_offers_what_works_offline(client, db):
    response = client.get(reverse("offline"))
    assert response.status_code == 200
    assert reverse("triage:start") in response.content.decode()


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Permissions-Policy"].startswith("camera=()")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script():
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in text.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening, f"inline <script> in {path}"
        assert " on" + "click=" not in text, f"inline handler in {path}"


def test_the_home_page_is_mobile_ready_and_accessible_in_structure(client, db):
    body = client.get(reverse("home")).content.decode()
    assert 'name="viewport"' in body and 'rel="manifest"' in body
    assert "<main" in body and "<nav" in body and "<header" in body and "<footer" in body
    assert 'lang="en"' in body
    assert "X-CSRFToken" in body
    assert 'id="offline-banner"' in body


def test_htmx_loads_only_on_pages_that_swap_fragments(client, db):
    assert "/static/vendor/htmx.min.js" not in client.get(reverse("home")).content.decode()
    assert "/static/vendor/htmx.min.js" in client.get(reverse("triage:start")).content.decode()


def test_the_health_check_answers(client, db):
    assert client.get(reverse("health")).json() == {"ok": True}
