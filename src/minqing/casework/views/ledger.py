"""Ledger pages (see __init__)."""

urlpatterns: list = []
