"""The installable app shell: web app manifest, service worker and offline page."""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kneeapp.data_rights import offline_urls

THEME_COLOUR = "#0b6e69"


def _fingerprint() -> str:
    """A hash of every template and static file: it changes whenever the app shell does."""
    digest = hashlib.sha256()
    for folder in (settings.BASE_DIR / "templates", settings.BASE_DIR / "static"):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    for app in ("triage",):
        knowledge = settings.BASE_DIR / app / "knowledge"
        for path in sorted(knowledge.glob("*.json")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


_cached_fingerprint = cache(_fingerprint)


def shell_version() -> str:
    # In development the files change under a running server; in production they do not.
    return _fingerprint() if settings.DEBUG else _cached_fingerprint()


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    icons = [
        {
            "src": static(f"kneeapp/icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in (192, 512)
    ]
    icons.append(
        {
            "src": static("kneeapp/icons/maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    data = {
        "name": _("kneeapp: back of the knee pain"),
        "short_name": "kneeapp",
        "description": _(
            "Check how urgent pain behind the knee is, keep a diary, stretch on time."
        ),
        "id": "/",
        "start_url": "/?source=home-screen",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "lang": request.LANGUAGE_CODE,
        "icons": icons,
    }
    return HttpResponse(json.dumps(data, indent=1), content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "kneeapp/sw.js",
        {"version": shell_version(), "precache": json.dumps(offline_urls())},
        content_type="text/javascript",
    )
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "kneeapp/offline.html")
