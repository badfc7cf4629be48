"""A reminder email, made once per message and as few times as possible per batch.

Two ways to the same bytes. ``ReminderEmail`` is Django's ``EmailMultiAlternatives`` with
``SMTP_POLICY``: what the console and test backends get, and the reference. ``Composer.wire``
writes the very bytes that ``ReminderEmail(...).message().as_bytes()`` gives (the same
headers in the same order, the same folding, the same transfer encodings chosen by Python's
own ``email.contentmanager`` rules), but without Python's header parsing and MIME objects,
which cost about 4 ms of CPU per message, most of a send. Headers whose form is not plain
(a non-ASCII subject, an address with a display name, a header long enough to fold) are
folded by the policy itself; a non-ASCII address is left to ``ReminderEmail``.
``tests/reminders/test_emails.py`` checks both ways give the same bytes, but for the Date
and the random MIME boundary.

The two templates are rendered once per batch for each shape of message (language, a
fallback line or not, a later link or not, how many stretches): with a marker in place
of each value that differs between patients; each message then joins the fixed pieces
with its own values, escaped where the template escaped the marker. The first message of
each shape in a batch is rendered by Django too and compared: a template this cannot
prepare (a filter that changes a value, a tag that reads one) is rendered by Django for
every message.
"""

import email.contentmanager
import email.generator
import email.policy
import email.utils
import logging
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import get_language

from reminders.notifications import Notification, unsubscribe_url

log = logging.getLogger(__name__)

TEXT_TEMPLATE = "reminders/email/reminder.txt"
HTML_TEMPLATE = "reminders/email/reminder.html"
CHARSET = "utf-8"


class LongHeadersPolicy(email.policy.EmailPolicy):
    """SMTP's policy, but List-Unsubscribe* written as they are, on one line (up to RFC
    5322's 998 characters): folded past 78, Python encodes a URL with no space in it as an
    RFC 2047 word (``=?utf-8?q?=3Chttps…``), which mail clients do not read as a link."""

    def _fold(self, name, value, *args, **kwargs):
        line = f"{name}: {value}"
        if name.lower().startswith("list-unsubscribe") and len(line) <= 998 and line.isascii():
            return line + self.linesep
        return super()._fold(name, value, *args, **kwargs)


SMTP_POLICY = LongHeadersPolicy(linesep="\r\n")


class ReminderEmail(EmailMultiAlternatives):
    """A reminder email: built with SMTP_POLICY whatever policy the backend asks for."""

    def message(self, *, policy=None):
        return super().message(policy=SMTP_POLICY)


def message_id(tag: str) -> str:
    """A Message-ID made of the reminder's tag (one per reminder, not per attempt)."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder.{tag}@{domain}>"


@dataclass(frozen=True)
class Parts:
    """What one reminder email says: its headers (in Django's order) and both bodies."""

    subject: str
    from_email: str
    to: str
    headers: dict  # Message-ID, List-Unsubscribe, List-Unsubscribe-Post
    text: str
    html: str
    sent_at: datetime

    def message(self) -> ReminderEmail:
        message = ReminderEmail(
            subject=self.subject,
            body=self.text,
            from_email=self.from_email,
            to=[self.to],
            headers=dict(self.headers),
        )
        message.attach_alternative(self.html, "text/html")
        return message


# An address that is its own addr-spec: dot-atoms either side of the @ (RFC 5322 3.2.3),
# ASCII. Python's parser gives it back unchanged, and writes "To: <it>" if that fits.
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_ADDRESS = re.compile(rf"{ATEXT}(?:\.{ATEXT})*@{ATEXT}(?:\.{ATEXT})*")
PLAIN_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>")
PLAIN_URL = re.compile(r"[!-~]+")  # printable ASCII without spaces
MAX_LINE = 78  # SMTP_POLICY.max_line_length: shorter lines are written as they are


def plain_address(address: str) -> bool:
    return PLAIN_ADDRESS.fullmatch(address) is not None


def plain_line(name: str, value: str, pattern: re.Pattern, limit: int = MAX_LINE) -> bytes | None:
    """``Name: value`` CRLF when the policy would write it so (the value is of ``pattern``
    and the line short enough not to fold), else None."""
    line = f"{name}: {value}"
    if len(line) <= limit and pattern.fullmatch(value) and "=?" not in value:
        return (line + "\r\n").encode("ascii")
    return None


def folded(name: str, value: str) -> bytes:
    """The header as SMTP_POLICY writes it (parsed and folded by Python's email package)."""
    return SMTP_POLICY.fold_binary(*SMTP_POLICY.header_store_parse(name, value))


def write_lines(payload: str) -> bytes:
    """A payload as Python's generator writes it: every line ending as CRLF."""
    lines = re.split(r"\r\n|\r|\n", payload)
    text = "\r\n".join(lines[:-1]) + ("\r\n" if len(lines) > 1 else "") + lines[-1]
    return text.encode("ascii", "surrogateescape")


def body_part(text: str, subtype: str, mime_version: bool) -> bytes:
    """A text/* part, as ``set_content``/``add_alternative`` and the generator make it: the
    transfer encoding Python picks for this text (7bit, 8bit, quoted-printable, base64)."""
    cte, payload = email.contentmanager._encode_text(text, CHARSET, None, SMTP_POLICY)
    head = f'Content-Type: text/{subtype}; charset="{CHARSET}"\r\n'
    head += f"Content-Transfer-Encoding: {cte}\r\n"
    if mime_version:  # a part added by add_alternative() is a whole EmailMessage
        head += "MIME-Version: 1.0\r\n"
    return (head + "\r\n").encode("ascii") + write_lines(payload)


def make_boundary(text: bytes) -> str:
    """A boundary as Python's generator makes one (``===============<19 digits>==``, random);
    its own check compiles a regular expression for every message, so it is asked only when
    the boundary occurs in the text at all."""
    boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
    if f"--{boundary}".encode() in text:
        return email.generator.BytesGenerator._make_boundary(text)
    return boundary


def date_header(moment: datetime) -> str:
    """What Django's message() puts in Date (it reads the clock; we pass the same instant
    the unsubscribe link was signed with)."""
    zone = timezone.get_current_timezone() if settings.EMAIL_USE_LOCALTIME else UTC
    return email.utils.format_datetime(moment.astimezone(zone))


class Composer:
    """Makes the reminder emails of one batch (the Email transport keeps one per batch)."""

    def __init__(self):
        self.lines: dict[tuple[str, str], bytes] = {}  # Subject and From, folded once
        self.templates: dict[tuple, Prepared | None] = {}

    def parts(self, patient, notification: Notification, sent_at: datetime) -> Parts:
        link = unsubscribe_url(patient, sent_at)
        values = Values(patient.get_short_name(), notification, link)
        return Parts(
            subject=notification.title,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=patient.email,
            headers={
                # The same for every attempt at this reminder, so that a copy sent again
                # after a worker died mid-send is recognised as the same message.
                "Message-ID": message_id(notification.tag),
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            text=self.render(TEXT_TEMPLATE, values, patient),
            html=self.render(HTML_TEMPLATE, values, patient),
            sent_at=sent_at,
        )

    def render(self, name: str, values: "Values", patient) -> str:
        key = (name, get_language(), values.shape)
        if key not in self.templates:
            context = values.context(patient)
            rendered = render_to_string(name, context)
            prepared = Prepared.of(name, values)
            if prepared is not None and prepared.fill(values) != rendered:
                log.warning("%s cannot be prepared once per batch: rendered per message", name)
                prepared = None
            self.templates[key] = prepared
            return rendered
        prepared = self.templates[key]
        if prepared is None:
            return render_to_string(name, values.context(patient))
        return prepared.fill(values)

    def line(self, name: str, value: str) -> bytes:
        key = (name, value)
        if key not in self.lines:
            self.lines[key] = folded(name, value)
        return self.lines[key]

    def wire(self, parts: Parts) -> bytes | None:
        """The message's bytes, as ``parts.message().as_bytes()`` writes them; None when a
        header is not of a form written here (then send ``parts.message()``)."""
        if not (parts.text and parts.html and parts.from_email.isascii()):
            return None
        if not parts.subject or not parts.to.isascii():
            return None  # Django IDNA-encodes a non-ASCII domain in its own way
        lines = [
            plain_line("To", parts.to, PLAIN_ADDRESS),
            plain_line("Message-ID", parts.headers["Message-ID"], PLAIN_MESSAGE_ID),
            plain_line("List-Unsubscribe", parts.headers["List-Unsubscribe"], PLAIN_URL, 998),
            plain_line("List-Unsubscribe-Post", parts.headers["List-Unsubscribe-Post"], PLAIN_URL),
        ]
        names = ("To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
        lines = [
            line or folded(name, parts.to if name == "To" else parts.headers[name])
            for name, line in zip(names, lines, strict=True)
        ]
        texts = [body_part(parts.text, "plain", False), body_part(parts.html, "html", True)]
        boundary = make_boundary(b"\r\n".join(texts))
        head = b"".join(
            [
                b"MIME-Version: 1.0\r\n",
                f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode(),
                self.line("Subject", str(parts.subject)),
                self.line("From", parts.from_email),
                lines[0],
                f"Date: {date_header(parts.sent_at)}\r\n".encode("ascii"),
                *lines[1:],
                b"\r\n",
            ]
        )
        delimiter = f"--{boundary}\r\n".encode()
        return b"".join(
            [head, delimiter, texts[0], b"\r\n", delimiter, texts[1]]
            + [f"\r\n--{boundary}--\r\n".encode()]
        )


class Values:
    """The values of one message that differ between patients, and the context that
    Django's templates read them from."""

    def __init__(self, name: str, notification: Notification, unsubscribe_link: str):
        self.notification = notification
        self.items = [
            name,
            notification.title,
            notification.body,
            notification.url,
            notification.fallback,
            unsubscribe_link,
            getattr(notification, "later_url", ""),
            *notification.stretches,
        ]

    @property
    def shape(self) -> tuple:
        return (bool(self.items[4]), bool(self.items[6]), len(self.notification.stretches))

    def context(self, patient) -> dict:
        return {
            "patient": patient,
            "notification": self.notification,
            "unsubscribe_url": self.items[5],
        }


class Marked:
    """A stand-in for the patient and the notification whose values are markers."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def marker(index: int) -> str:
    # "<" is escaped by an autoescaping template and left alone by the others: how each
    # value is written is read from how its marker came out.
    return f"\x1a{index}<\x1a"


MARKER = re.compile(r"\x1a(\d+)(<|&lt;)\x1a")


class Prepared:
    """A template rendered once with markers: the fixed text between the values, and for
    each value its index and whether the template escaped it."""

    def __init__(self, pieces: list[str], sites: list[tuple[int, bool]]):
        self.pieces, self.sites = pieces, sites

    @classmethod
    def of(cls, name: str, values: Values) -> "Prepared | None":
        n = len(values.items)
        marked = Marked(
            title=marker(1),
            body=marker(2),
            url=marker(3),
            fallback=marker(4) if values.items[4] else "",
            later_url=marker(6) if values.items[6] else "",
            stretches=[marker(i) for i in range(7, n)],
        )
        patient = Marked(get_short_name=lambda: marker(0))
        context = {"patient": patient, "notification": marked, "unsubscribe_url": marker(5)}
        split = MARKER.split(render_to_string(name, context))
        if "\x1a" in "".join(split[::3]):
            return None  # a marker changed by the template: not preparable
        sites = [(int(split[i]), split[i + 1] == "&lt;") for i in range(1, len(split), 3)]
        return cls(split[::3], sites)

    def fill(self, values: Values) -> str:
        out = [self.pieces[0]]
        items = values.items
        for (index, escaped), piece in zip(self.sites, self.pieces[1:], strict=True):
            value = items[index]
            out.append(conditional_escape(value) if escaped else str(value))
            out.append(piece)
        return "".join(out)
