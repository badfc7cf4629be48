from django.apps import AppConfig


class KneeappConfig(AppConfig):
    """Accounts, the home page and the installable app shell."""

    name = "kneeapp"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from kneeapp.middleware import session_started

        # Every way of signing in goes through login(), which sends this: the session's
        # idle and absolute timeouts start there.
        user_logged_in.connect(session_started, dispatch_uid="kneeapp.session_started")

    offline_files = (
        "kneeapp/app.css",
        "kneeapp/app.js",
        "vendor/htmx.min.js",
        "kneeapp/icons/icon-192.png",
    )

    def offline_urls(self):
        from django.urls import reverse

        return [reverse("home"), reverse("offline"), "/manifest.webmanifest"]
