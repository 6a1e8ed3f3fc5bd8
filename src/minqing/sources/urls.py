from django.urls import path

from minqing.sources import views

app_name = "sources"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/errors.xlsx", views.error_report, name="error_report"),
]
