"""The paths a reminder links to, as ``reverse()`` gives them, reversed once per process.

Every message carries three or four of them (the plan page, the unsubscribe and "later"
links with their signed tokens, the push receipt's URL): ``reverse()`` walks the URL
resolver each time, about a tenth of the CPU a send takes. Here each name is reversed once
(per URL configuration and script prefix) with a marker as its one argument, and the
argument is then put in the marker's place: only an argument that ``reverse()`` writes as
it is (a signed token's characters, which URL quoting leaves alone, where the
converter takes them; digits only where it takes only those) is put in so; any other goes
to ``reverse()``.
"""

import re

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# Digits, so that an ``int`` converter takes it as well as a ``str`` one.
MARKER = "7302519846"
# What a signed token is made of (base64url and ":"), and a whole number.
VERBATIM = re.compile(r"[A-Za-z0-9_:-]+")
DIGITS = re.compile(r"[0-9]+")

# name, ... -> the path, or (before the argument, after it, the pattern it must match)
_reversed: dict[tuple, str | tuple[str, str, re.Pattern]] = {}


def path_to(name: str, arg: str | int | None = None) -> str:
    """``reverse(name)``, or ``reverse(name, args=[arg])``: the same path."""
    key = (name, arg is None, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    if key not in _reversed:
        if arg is None:
            _reversed[key] = reverse(name)
        else:
            path = reverse(name, args=[MARKER])
            if path.count(MARKER) != 1:
                return reverse(name, args=[arg])
            before, _marker, after = path.partition(MARKER)
            _reversed[key] = (before, after, VERBATIM if takes_tokens(name) else DIGITS)
    prepared = _reversed[key]
    if arg is None:
        return prepared
    before, after, pattern = prepared
    text = str(arg)
    if isinstance(arg, bool) or pattern.fullmatch(text) is None:
        return reverse(name, args=[arg])
    return f"{before}{text}{after}"


def takes_tokens(name: str) -> bool:
    """Whether the URL's converter takes every token character (``str`` does, ``int`` not)."""
    try:
        return reverse(name, args=["aZ09_-:a"]).count("aZ09_-:a") == 1
    except NoReverseMatch:
        return False
