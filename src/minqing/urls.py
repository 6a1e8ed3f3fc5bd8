from django.contrib import admin
from django.urls import include, path

from minqing.areas import views as area_views

admin.site.site_header = "民情 · 系统管理"
admin.site.site_title = "民情"

urlpatterns = [
    path("", area_views.home, name="home"),
    path("accounts/", include("minqing.accounts.urls")),
    path("areas/", include("minqing.areas.urls")),
    path("admin/", admin.site.urls),
]
