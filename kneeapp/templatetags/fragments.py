"""``{% once_per %}``: a fragment rendered once per process for each value of its keys.

Every page renders the same head links, header, nav, banners and footer: a dozen static
file names looked up in the manifest, URLs reversed, some twenty translations. Together
they cost a signed-in page about as much CPU as Django and its middleware do (#17). What
they show depends only on the active language and on a few values (the section the page
is in, whether someone is signed in), so each is rendered once per process for each of
those and then repeated as it is: the same HTML, from the same template.

    {% once_per request.resolver_match.app_name user.is_authenticated %}
      ... depends on nothing but these two and the language ...
    {% endonce_per %}

The active language and autoescaping are always part of the key. Whatever else the fragment
shows must be named as a key: a value left out would be shown to everyone as the first
request saw it. Never put a block, a CSRF token or anything of one person inside. A change
of settings (tests' ``override_settings``: storage, URLs, languages) forgets everything.
"""

import itertools

from django import template
from django.dispatch import receiver
from django.test.signals import setting_changed
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Values of the keys kept per fragment: far more than a fragment's keys can take (a language
# times a section or a page's url name); past it the fragment starts again from nothing.
MOST_KEPT = 512
_generations = itertools.count()
generation = next(_generations)


@receiver(setting_changed)
def _forget_fragments(**kwargs) -> None:
    global generation
    generation = next(_generations)


class OncePerNode(template.Node):
    # Not searched for blocks: a page extending base.html would otherwise walk every node of
    # every fragment on every render (ExtendsNode looks for the parent's blocks each time),
    # and a block has no place inside a fragment anyway.
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList, keys: list[template.base.FilterExpression]):
        self.nodelist, self.keys = nodelist, keys
        self.generation, self.rendered = generation, {}

    def render(self, context) -> str:
        if self.generation != generation:
            self.generation, self.rendered = generation, {}
        key = (get_language(), context.autoescape, *(k.resolve(context) for k in self.keys))
        try:
            return self.rendered[key]
        except KeyError:
            pass
        text = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered by the engine)
        if len(self.rendered) >= MOST_KEPT:
            self.rendered = {}
        self.rendered[key] = text
        return text


@register.tag
def once_per(parser, token) -> OncePerNode:
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endonce_per",))
    parser.delete_first_token()
    return OncePerNode(nodelist, keys)
