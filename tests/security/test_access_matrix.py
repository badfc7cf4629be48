"""Issue #7: who gets what, for every URL of the project and every persona.

``MATRIX`` has one entry per URL pattern (by name; by route for the admin's few nameless
ones), read from the URLconf: a new URL without an entry fails
``test_every_url_pattern_has_an_entry``. The app's and the API's rows are below, the
admin's in ``matrix_admin_rows.py``, both in the words of ``matrix_outcomes.py``.
URL arguments are always the *patient's* things (``matrix_world.World.url_kwargs``), so
the row says what each persona gets when they try the patient's diary entry, assessment,
plan... Beyond the status, every request checks:

- nobody but the patient (app pages) or their physiotherapist and the administrator
  (admin pages) changed anything of the patient's, and a GET changes nothing at all;
- a page answered 200 shows no other patient's data (``MUST_NOT_SEE``).

Policy (shared/PRODUCT.md, "Roles"): another user's object answers 404 on the app and the
API; in the admin, whose queryset is narrowed to one's own patients, Django answers an
object outside it with a redirect to the admin index ("doesn't exist. Perhaps it was
deleted?"), never with its page; a permission the role lacks is 403.
"""

import pytest
from django.db import transaction

from tests.security.matrix_admin_rows import ADMIN_MATRIX
from tests.security.matrix_outcomes import (
    DELETE,
    DONE,
    FORM,
    GET,
    GONE,
    HOME,
    LOGIN,
    NOPE,
    OK,
    PATCH,
    POST,
    PUT,
    SET_PASSWORD,
    body_text,
    describe,
    matches,
)
from tests.security.matrix_requests import BODIES
from tests.security.matrix_world import PERSONAS, url_patterns

# fmt: off
# Columns: anonymous, patient, other patient, physiotherapist (the patient's), other
# physiotherapist, administrator.
MATRIX = {
    "home":                         {GET: (OK, OK, OK, OK, OK, OK)},
    "health":                       {GET: (OK, OK, OK, OK, OK, OK)},
    "manifest":                     {GET: (OK, OK, OK, OK, OK, OK)},
    "service-worker":               {GET: (OK, OK, OK, OK, OK, OK)},
    "offline":                      {GET: (OK, OK, OK, OK, OK, OK)},
    # account
    "signup":                       {GET: (OK, HOME, HOME, HOME, HOME, HOME),
                                     POST: (FORM, HOME, HOME, HOME, HOME, HOME)},
    "login":                        {GET: (OK, HOME, HOME, HOME, HOME, HOME)},
    "logout":                       {GET: (405, 405, 405, 405, 405, 405),
                                     POST: (HOME, HOME, HOME, HOME, HOME, HOME)},
    "profile":                      {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, DONE, DONE, DONE, DONE, DONE)},
    # consent: each patient agrees or withdraws for themselves; staff are never asked
    "consent":                      {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, DONE, DONE, NOPE, NOPE, NOPE)},
    # an invitation to the patient: the link is theirs (the invited address) and signed in
    # they accept it; signed out, an address with an account signs in first; staff are no
    # patients; the other patient is told it is not for them
    "invitation":                   {GET: (LOGIN, OK, NOPE, GONE, GONE, GONE),
                                     POST: (LOGIN, DONE, NOPE, GONE, GONE, GONE)},
    # ends one's own link with one's physiotherapist; staff have none
    "end_physiotherapist":          {GET: (LOGIN, 405, 405, 405, 405, 405),
                                     POST: (LOGIN, DONE, DONE, GONE, GONE, GONE)},
    "delete_account":               {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, FORM, FORM, FORM, FORM, FORM)},
    # the password typed again, and the way to the download past it (fresh at sign-in)
    "confirm_password":             {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, FORM, FORM, FORM, FORM, FORM)},
    "export_data":                  {GET: (LOGIN, OK, OK, OK, OK, OK)},
    "password_change":              {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, FORM, FORM, FORM, FORM, FORM)},
    "password_change_done":         {GET: (LOGIN, OK, OK, OK, OK, OK)},
    "password_reset":               {GET: (OK, OK, OK, OK, OK, OK),
                                     POST: (DONE, DONE, DONE, DONE, DONE, DONE)},
    "password_reset_done":          {GET: (OK, OK, OK, OK, OK, OK)},
    # The emailed link is the key, whoever holds it (and nothing changes until the new
    # password is posted on the next page).
    "password_reset_confirm":       {GET: (SET_PASSWORD,) * 6},
    "password_reset_complete":      {GET: (OK, OK, OK, OK, OK, OK)},
    # symptom checker
    "triage:start":                 {GET: (OK, OK, OK, OK, OK, OK),
                                     POST: (OK, OK, OK, OK, OK, OK)},
    "triage:save":                  {GET: (LOGIN, 405, 405, 405, 405, 405),
                                     POST: (LOGIN, DONE, GONE, GONE, GONE, GONE)},
    "triage:assessment":            {GET: (LOGIN, OK, GONE, GONE, GONE, GONE)},
    "triage:knowledge":             {GET: (LOGIN, GONE, GONE, OK, OK, OK)},
    # diary (a physiotherapist or an administrator has a diary of their own, empty here)
    "diary:today":                  {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, DONE, FORM, FORM, FORM, FORM)},
    "diary:history":                {GET: (LOGIN, OK, OK, OK, OK, OK)},
    "diary:chart":                  {GET: (LOGIN, OK, OK, OK, OK, OK)},
    "diary:report":                 {GET: (LOGIN, OK, OK, OK, OK, OK)},
    # the PSFS form posts the patient's assessment id: another persona cannot take it
    "diary:progress":               {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, DONE, FORM, FORM, FORM, FORM)},
    "diary:report_csv":             {GET: (LOGIN, OK, OK, OK, OK, OK)},
    # the consult pack: one's own only (a physiotherapist reads a patient's in the admin)
    "diary:consult":                {GET: (LOGIN, OK, OK, OK, OK, OK)},
    "diary:entry":                  {GET: (LOGIN, OK, GONE, GONE, GONE, GONE)},
    "diary:edit":                   {GET: (LOGIN, OK, GONE, GONE, GONE, GONE),
                                     POST: (LOGIN, DONE, GONE, GONE, GONE, GONE)},
    "diary:delete":                 {GET: (LOGIN, OK, GONE, GONE, GONE, GONE),
                                     POST: (LOGIN, DONE, GONE, GONE, GONE, GONE)},
    # stretch plan (the page answers anyone: it is precached for offline use)
    "reminders:plan":               {GET: (OK, OK, OK, OK, OK, OK)},
    "reminders:done":               {GET: (LOGIN, 405, 405, 405, 405, 405),
                                     POST: (LOGIN, DONE, GONE, GONE, GONE, GONE)},
    "reminders:preferences":        {GET: (LOGIN, OK, OK, OK, OK, OK),
                                     POST: (LOGIN, DONE, DONE, DONE, DONE, DONE)},
    # One-click unsubscribe: the signed token is the key, whoever holds it (RFC 8058).
    "reminders:unsubscribe":        {GET: (OK, OK, OK, OK, OK, OK),
                                     POST: (OK, OK, OK, OK, OK, OK)},
    # "Later" from an email: the signed token is the key, signed in or not (the session may
    # have expired); anyone else signed in gets 404.
    "reminders:later":              {GET: (OK, OK, GONE, GONE, GONE, GONE),
                                     POST: (OK, OK, GONE, GONE, GONE, GONE)},
    # API (session auth: an anonymous call is 403, not a redirect)
    "api-export":                   {GET: (NOPE, OK, OK, OK, OK, OK)},
    "api-fhir":                     {GET: (NOPE, OK, OK, OK, OK, OK)},
    "triage-api:knowledge":         {GET: (OK, OK, OK, OK, OK, OK)},
    "triage-api:assessments":       {GET: (405, 405, 405, 405, 405, 405),
                                     POST: (409, OK, 409, 409, 409, 409)},
    "triage-api:assessment":        {GET: (GONE, OK, GONE, GONE, GONE, GONE)},
    "diary-entry-list":             {GET: (NOPE, OK, OK, OK, OK, OK)},
    "diary-entry-detail":           {GET: (NOPE, OK, GONE, GONE, GONE, GONE),
                                     PUT: (NOPE, OK, GONE, GONE, GONE, GONE),
                                     DELETE: (NOPE, 204, GONE, GONE, GONE, GONE)},
    "psfs-list":                    {GET: (NOPE, OK, OK, OK, OK, OK)},
    "psfs-detail":                  {GET: (NOPE, OK, GONE, GONE, GONE, GONE),
                                     PUT: (NOPE, OK, GONE, GONE, GONE, GONE)},
    "api-plan":                     {GET: (NOPE, OK, OK, OK, OK, OK)},
    "api-plan-done":                {GET: (NOPE, 405, 405, 405, 405, 405),
                                     POST: (NOPE, OK, GONE, GONE, GONE, GONE)},
    # POST with the patient's endpoint: see CAPABILITIES.
    "api-push-subscriptions":       {GET: (NOPE, 405, 405, 405, 405, 405),
                                     POST: (NOPE, OK, OK, OK, OK, OK),
                                     DELETE: (NOPE, 204, GONE, GONE, GONE, GONE)},
    # No session: the old endpoint, or the push's signed token, is the key (CAPABILITIES).
    "api-push-subscription-renew":  {GET: (405, 405, 405, 405, 405, 405),
                                     POST: (OK, OK, OK, OK, OK, OK)},
    # The world's delivery is an email: a receipt names push deliveries only.
    "api-push-receipt":             {GET: (405, 405, 405, 405, 405, 405),
                                     POST: (GONE, GONE, GONE, GONE, GONE, GONE)},
    # "Later" on a push: no session (the service worker posts without it); the token is
    # the key (CAPABILITIES).
    "api-plan-later":               {GET: (405, 405, 405, 405, 405, 405),
                                     POST: (201, 201, 201, 201, 201, 201)},
    "api-preferences":              {GET: (NOPE, OK, OK, OK, OK, OK),
                                     PATCH: (NOPE, OK, OK, OK, OK, OK)},
    "api-schema":                   {GET: (OK, OK, OK, OK, OK, OK)},
    "api-docs":                     {GET: (OK, OK, OK, OK, OK, OK)},
    **ADMIN_MATRIX,
}
# fmt: on

# Requests that may change the patient's things without being the patient (or, in the
# admin, their physiotherapist or an administrator), because a secret is the key:
CAPABILITIES = {
    # the signed token from the patient's own reminder email
    ("reminders:unsubscribe", POST),
    # the endpoint names one browser: whoever subscribes from it now owns it (a shared
    # phone moves to whoever signed in last); only that browser and we know the endpoint
    ("api-push-subscriptions", POST),
    # a service worker's renewed subscription: the old endpoint stands for the browser
    ("api-push-subscription-renew", POST),
    # a phone's receipt of a push: the token signed for that delivery and phone
    ("api-push-receipt", POST),
    # "Later": the token signed for the patient's delivery, from their email or push
    ("reminders:later", POST),
    ("api-plan-later", POST),
}


def may_change_the_patients_things(key: str, method: str, persona: str) -> bool:
    if (key, method) in CAPABILITIES:
        return True
    if key.startswith("admin"):
        return persona in ("physiotherapist", "administrator")
    return persona == "patient"


PATTERNS = {pattern.key: pattern for pattern in url_patterns()}


def test_every_url_pattern_has_an_entry():
    missing = [key for key in PATTERNS if GET not in MATRIX.get(key, {})]
    assert not missing, (
        "URL patterns without an entry in the access matrix (MATRIX in "
        "tests/security/test_access_matrix.py, or ADMIN_MATRIX in "
        f"tests/security/matrix_admin_rows.py): {', '.join(missing)}"
    )
    gone = [key for key in MATRIX if key not in PATTERNS]
    assert not gone, f"the access matrix names URL patterns that no longer exist: {gone}"


def attempt(world, key: str, method: str, persona: str, expected) -> str | None:
    """One persona's request, undone afterwards; what went wrong, if anything."""
    url = world.url(PATTERNS[key])
    body = BODIES.get((key, method), lambda w: {})(world)
    before = world.fingerprint()
    response = getattr(world.client(persona), method.lower())(url, **body)
    if not matches(expected, response):
        return f"expected {expected!r}, got {describe(response)}"
    may_change = method != GET and may_change_the_patients_things(key, method, persona)
    if not may_change and world.fingerprint() != before:
        return "changed the patient's things"
    shown = body_text(response) if method == GET and response.status_code == 200 else ""
    if leaked := world.leaks(persona, shown):
        return f"shows another patient's {leaked}"
    return None


@pytest.mark.parametrize(
    ("key", "method"),
    [
        pytest.param(key, method, id=f"{method} {key}")
        for key, methods in MATRIX.items()
        for method in methods
    ],
)
def test_access(world, db, key, method):
    failures = []
    for persona, expected in zip(PERSONAS, MATRIX[key][method], strict=True):
        with transaction.atomic():
            if problem := attempt(world, key, method, persona, expected):
                failures.append(f"{persona}: {problem}")
            transaction.set_rollback(True)
    assert not failures, f"{method} {world.url(PATTERNS[key])}\n" + "\n".join(failures)
