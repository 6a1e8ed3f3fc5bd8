from django.urls import path

from minqing.maps import views

app_name = "maps"
urlpatterns = [
    path("", views.index, name="index"),
    path("data/", views.data, name="data"),
]
