from django.apps import AppConfig


class KneeappConfig(AppConfig):
    """Accounts, the home page and the installable app shell."""

    name = "kneeapp"
    verbose_name = "Accounts"

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
