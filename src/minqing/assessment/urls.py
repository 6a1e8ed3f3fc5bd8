from django.urls import path

from minqing.assessment import views

app_name = "assessment"
urlpatterns = [
    path("proposals/", views.proposals, name="proposals"),
    path("households/<int:household_id>/", views.household, name="household"),
    path("verification/", views.verification_requests, name="verification"),
]
