"""``{% once_per %}`` (kneeapp/templatetags/fragments.py): a fragment rendered once per process
for each language and value of its keys, then repeated as it was."""

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

SOURCE = (
    "{% load fragments i18n %}{% once_per section %}{{ section }} {{ count.next }} "
    "{% get_current_language as language %}{{ language }}{% endonce_per %}"
)


class Counter:
    """Counts how many times the fragment was rendered; each test has its own template."""

    def __init__(self):
        self.times = 0
        self.template = Template(SOURCE)

    @property
    def next(self):
        self.times += 1
        return self.times


def render(section, counter, autoescape=True):
    context = Context({"section": section, "count": counter}, autoescape=autoescape)
    return counter.template.render(context)


def test_it_renders_once_per_value_of_its_keys():
    counter = Counter()
    assert render("diary", counter) == "diary 1 en"
    assert render("diary", counter) == "diary 1 en"
    assert render("<plan>", counter) == "&lt;plan&gt; 2 en"
    assert render("diary", counter) == "diary 1 en"
    assert counter.times == 2


def test_it_renders_once_per_language_and_autoescaping():
    counter = Counter()
    render("diary", counter)
    with translation.override("de"):
        assert render("diary", counter) == "diary 2 de"
    assert render("<p>", counter, autoescape=False) == "<p> 3 en"
    assert render("<p>", counter) == "&lt;p&gt; 4 en"


def test_it_forgets_everything_when_settings_change():
    counter = Counter()
    render("diary", counter)
    with override_settings(STATIC_URL="/elsewhere/"):
        assert render("diary", counter) == "diary 2 en"
    assert render("diary", counter) == "diary 3 en"
