from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from servicedesk import health
from servicedesk.api.docs import DocsView
from servicedesk.api.errors import api_not_found
from servicedesk.api.views import TokenView

from .api import router

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(router.urls)),
    re_path(r"^api/(?P<path>[\s\S]*)\Z", api_not_found, name="api-not-found"),  # last: JSON 404 for the rest of /api/
]
