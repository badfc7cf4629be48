"""The installable app shell: web app manifest, service worker and offline page."""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kneeapp.data_rights import offline_urls

THEME_COLOUR = "#0b6e69"


def _update(digest, folder: Path, prefix: str = "") -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(f"{prefix}/{path.relative_to(folder)}".encode())
            digest.update(path.read_bytes())


def _fingerprint(manifest_hash: str | None = None) -> str:
    """A hash of every template and every static file the shell is made of: it changes
    whenever the app shell does. The static files count by the hash of collectstatic's
    manifest when there is one (``manifest_hash``: it changes with any collected file's
    content, the knowledge base's included), else by their content in STATICFILES_DIRS."""
    digest = hashlib.sha256()
    _update(digest, Path(settings.BASE_DIR) / "templates", "templates")
    if manifest_hash:
        digest.update(f"manifest {manifest_hash}".encode())
    else:
        for entry in settings.STATICFILES_DIRS:
            prefix, folder = entry if isinstance(entry, tuple) else ("", entry)
            _update(digest, Path(folder), prefix)
    return digest.hexdigest()[:12]


_cached_fingerprint = cache(_fingerprint)


def shell_version() -> str:
    """The service worker's version, which names its caches: a new one replaces them all."""
    # In development the files change under a running server; in production they do not,
    # and the hashed names' manifest (read once at start) stands for the static files.
    if settings.DEBUG:
        return _fingerprint()
    return _cached_fingerprint(getattr(staticfiles_storage, "manifest_hash", None))


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
