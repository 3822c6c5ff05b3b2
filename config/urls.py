from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from servicedesk import health
from servicedesk.api.accounts import LogoutView, PasswordView
from servicedesk.api.docs import DocsView
from servicedesk.api.errors import api_not_found
from servicedesk.api.views import TokenView
from web import views as web_views

from .api import router

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("api/v1/auth/password/", PasswordView.as_view(), name="api-password"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(router.urls)),
    # The web: sign-in, then each role's pages (portal, workspace, inbox, dashboard, reports).
    path("accounts/login/", web_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("web.accounts.urls")),  # password change and reset
    path("", include("web.urls")),
    path("", include("web.tickets.urls")),
    path("", include("web.inbox.urls")),
    path("", include("web.report_urls")),
    path("", include("web.knowledge.urls")),
    path("", include("web.profile.urls")),
    path("", include("web.policies.urls")),
    re_path(r"^api/(?P<path>[\s\S]*)\Z", api_not_found, name="api-not-found"),  # last: JSON 404 for the rest of /api/
]

# The web's own 400, 403, 404 and 500 pages (in the site's layout); /api/ keeps its JSON answers.
# The 500 handler answers 503 while the database is away (servicedesk.unavailable).
handler400 = "web.errors.bad_request"  # also a body over the size limit: 413
handler403 = "web.errors.permission_denied"
handler404 = "web.errors.page_not_found"
handler500 = "web.errors.server_error"
