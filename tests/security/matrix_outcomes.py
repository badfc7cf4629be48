"""What the access matrix expects of a response: the words its rows are written in.

A row gives each persona a plain status code or one of these: a redirect to a named page
(``LOGIN``, ``ADMIN_GONE``...), the form again (``FORM``) or the work done (``DONE``).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Redirect:
    """A 302 to the path ``to`` (or to any path ending with it, if ``ending``).

    The query string, such as a login page's ``?next=``, is not compared.
    """

    to: str
    label: str
    ending: bool = False

    def __repr__(self):
        return self.label

    def matches(self, response) -> bool:
        path = response.get("Location", "").split("?")[0]
        return response.status_code == 302 and (
            path.endswith(self.to) if self.ending else path == self.to
        )


@dataclass(frozen=True)
class FormAgain:
    """The form shown again with its errors (200 or 400: both keep what was typed)."""

    def __repr__(self):
        return "FORM"

    def matches(self, response) -> bool:
        return response.status_code in (200, 400)


@dataclass(frozen=True)
class RedirectAway:
    """A 302 anywhere but a login page: the view did its work and sent the user on."""

    def __repr__(self):
        return "DONE"

    def matches(self, response) -> bool:
        location = response.get("Location", "")
        return response.status_code == 302 and "/login/" not in location


def matches(expected, response) -> bool:
    if isinstance(expected, int):
        return response.status_code == expected
    return expected.matches(response)


def describe(response) -> str:
    location = response.get("Location")
    return f"{response.status_code} to {location}" if location else str(response.status_code)


def body_text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"
OK = 200
NOPE = 403  # the role lacks the permission (the API also answers 403 to anonymous visitors)
GONE = 404  # not found: another user's object, or nothing there
LOGIN = Redirect("/account/login/", "LOGIN")  # sign in first, then come back (?next=)
ADMIN_LOGIN = Redirect("/admin/login/", "ADMIN_LOGIN")  # the admin is for staff
ADMIN_GONE = Redirect("/admin/", "ADMIN_GONE")  # the admin's "not found": back to its index
HOME = Redirect("/", "HOME")  # already signed in: nothing to do here
CHANGE = Redirect("/change/", "CHANGE", ending=True)  # admin/<app>/<model>/<id>/ is the change page
SET_PASSWORD = Redirect("/set-password/", "SET_PASSWORD", ending=True)  # a valid reset link
FORM = FormAgain()  # the form again, with its errors (200 or 400)
DONE = RedirectAway()  # done, and sent on (302, not to a login page)
NON_STAFF = (ADMIN_LOGIN,) * 3  # anonymous, patient and other patient, in the admin
