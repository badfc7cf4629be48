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

    def offline_urls(self):
        from django.templatetags.static import static
        from django.urls import reverse

        return [
            reverse("home"),
            reverse("offline"),
            static("kneeapp/app.css"),
            static("kneeapp/app.js"),
            static("vendor/htmx.min.js"),
            static("kneeapp/icons/icon-192.png"),
            "/manifest.webmanifest",
        ]
