"""The one JSON parser of the whole API: bounded in size and in depth.

``json.loads`` on JSON nested a few thousand levels deep raises RecursionError, which DRF
would turn into a 500; and no client of ours sends more than a few kilobytes. Both are a
400 that says why. It is the default parser (``REST_FRAMEWORK`` in settings), so every
endpoint has it without asking.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A diary entry with the longest notes, escaped, is about 13 kB; answers to every finding of
# the symptom checker about 1 kB.
MAX_BODY_BYTES = 64 * 1024


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise ParseError(f"The body is larger than {MAX_BODY_BYTES} bytes.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("The JSON is nested too deeply.") from None
