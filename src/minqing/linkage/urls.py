from django.urls import path

from minqing.linkage import views

app_name = "linkage"
urlpatterns = [
    path("review/", views.review_queue, name="review"),
    path("review/<int:item_id>/", views.review_item, name="item"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
]
