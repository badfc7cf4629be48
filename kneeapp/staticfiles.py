"""Static files with their content's hash in their names, cached for a year.

``collectstatic`` copies every file to ``STATIC_ROOT`` under a name that carries a hash of
its content (``triage/engine.3f2a1b9c04d1.js``), rewrites the references between files to
those names (CSS ``url()``, and the ES module imports of ``checker.js`` and ``flow.js``:
``support_js_module_import_aggregation``), and writes the map from each name to its hashed
one (``staticfiles.json``), which ``{% static %}`` reads. A file whose content changes gets a
new name, so a hashed name never changes meaning and may be kept for a year; the plain names
are kept beside them for anything that asks for one, with a short lifetime.

Used when ``DEBUG`` is false (``kneeapp.settings.STORAGES``); with ``DEBUG`` on, files are
served as they are in ``static/``, under their own names.
"""

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

ONE_YEAR = 365 * 24 * 60 * 60


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Django's manifest (hashed names, rewritten references) and whitenoise's gzip/Brotli."""

    # checker.js imports "./flow.js" and "./engine.js", flow.js imports "./engine.js": each
    # import is rewritten to the hashed name, so checker.js's own hash covers the engine's.
    support_js_module_import_aggregation = True


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """whitenoise, with ``Cache-Control: max-age=31536000, public, immutable`` on hashed
    names (whitenoise's own is ten years; a year is what caches and RFC 9111 expect).
    Other static files keep ``WHITENOISE_MAX_AGE`` (60 s; 0 with ``DEBUG`` on)."""

    FOREVER = ONE_YEAR
