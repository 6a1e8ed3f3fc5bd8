"""Daily-work pages (see __init__)."""

urlpatterns: list = []
