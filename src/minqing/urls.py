from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from minqing.api.api import api, docs_asset
from minqing.areas import views as area_views

admin.site.site_header = "民情 · 系统管理"
admin.site.site_title = "民情"

urlpatterns = [
    path("", area_views.home, name="home"),
    path("accounts/", include("minqing.accounts.urls")),
    path("areas/", include("minqing.areas.urls")),
    path("sources/", include("minqing.sources.urls")),
    path("linkage/", include("minqing.linkage.urls")),
    path("assessment/", include("minqing.assessment.urls")),
    path("casework/", include("minqing.casework.urls")),
    path("dashboards/", include("minqing.dashboards.urls")),
    path("map/", include("minqing.maps.urls")),
    path("api/docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("api/", api.urls),
    # one login page for the whole site (lockout, then the TOTP step for the 三员)
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
    path("admin/", admin.site.urls),
]
