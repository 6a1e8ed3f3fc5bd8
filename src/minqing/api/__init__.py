"""The REST API (django-ninja): one NinjaAPI at /api/ mounting each app's router (api.py)."""
