from minqing.casework.views import ledger, work

app_name = "casework"
# each view module owns its patterns (views/__init__.py)
urlpatterns = [*ledger.urlpatterns, *work.urlpatterns]
