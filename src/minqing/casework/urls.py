from minqing.casework.views import ledger, notices, pairing, work

app_name = "casework"
# each view module owns its patterns (views/__init__.py)
urlpatterns = [
    *ledger.urlpatterns,
    *pairing.urlpatterns,
    *work.urlpatterns,
    *notices.urlpatterns,
]
