"""Pages of the casework box, one module per working area:

- ledger.py: the ledger list, a household's page, the Excel export, "show in full";
- work.py: a department's inbox, my Tuesday plan, visits, proposal decisions, routing, the joint
  meeting list.

Each module owns its `urlpatterns`; casework/urls.py joins them, so the two grow apart."""
