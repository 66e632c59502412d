from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from home import views as home_views
from operations import views as operations_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("readyz", operations_views.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("", include("rhi.urls")),
    path("", include("alerts.urls")),
    path("", include("missing_episodes.urls")),
    path("", include("referrals.urls")),
    path("", include("sharing.urls")),
    path("", include("casenotes.urls")),
    path("", include("sharing.out_of_area_urls")),
    path("", include("sharing.webhook_urls")),
    path("", include("audit.urls")),
    path("", include("reporting.performance_urls")),
    path("", include("reporting.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from the sidecar's static files with its start-up script as a file (the split view), in our
    # own template (lang="en", a main landmark: docs/accessibility.md); the template has one small inline
    # <style> block, so this page alone may use inline styles.
    path(
        "api/docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html")
        ),
        name="api-docs",
    ),
]
