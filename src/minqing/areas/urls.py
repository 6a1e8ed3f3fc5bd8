from django.urls import path

from minqing.areas import views

app_name = "areas"
urlpatterns = [
    path("<str:code>/", views.area_detail, name="detail"),
]
