"""Every URL of kneeapp: the shell and accounts here, each app's pages and API included."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from diary import api as diary_api
from kneeapp import accounts, pwa, views
from kneeapp.signin import AdminSignInForm, ThrottledPasswordChangeForm

handler500 = "kneeapp.middleware.server_error"  # a database error in a middleware is a 503

admin.site.site_header = "kneeapp"
admin.site.site_title = "kneeapp admin"
admin.site.index_title = "Patients, plans and reminders"
admin.site.login_form = AdminSignInForm  # the admin's sign-in is throttled like ours
admin.site.password_change_form = ThrottledPasswordChangeForm  # and its password change

account_urls = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", accounts.profile, name="profile"),
    path("consent/", accounts.consent_page, name="consent"),
    path("delete/", accounts.delete_account, name="delete_account"),
    path("confirm-password/", accounts.confirm_password, name="confirm_password"),
    path("export/", accounts.export_page, name="export_data"),
    path("invitation/<str:token>/", accounts.invitation_page, name="invitation"),
    path("physiotherapist/end/", accounts.end_physiotherapist, name="end_physiotherapist"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="kneeapp/password_change_form.html",
            form_class=ThrottledPasswordChangeForm,
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="kneeapp/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="kneeapp/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="kneeapp/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="kneeapp/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

api_urls = [
    path("me/export/", accounts.export, name="api-export"),
    path("me/fhir/", diary_api.fhir_bundle, name="api-fhir"),
    path("me/psfs/", include("diary.psfs_api")),
    path("triage/", include("triage.api_urls")),
    path("diary/", include("diary.api_urls")),
    path("", include("reminders.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("account/", include(account_urls)),
    path("triage/", include("triage.urls")),
    path("diary/", include("diary.urls")),
    path("plan/", include("reminders.urls")),
    path("api/v1/", include(api_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
