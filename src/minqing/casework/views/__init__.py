"""Pages of the casework box, one module per working area:

- ledger.py: the ledger list, a household's page, the Excel export, "show in full";
- notices.py: 提醒, the overdue sweep's notices to the signed-in user;
- pairing.py: 包联分配, a cadre and a grid worker for every household of a grid at once;
- work.py: a department's inbox, my Tuesday plan, visits, proposal decisions, routing, the joint
  meeting list.

Each module owns its `urlpatterns`; casework/urls.py joins them, so the two grow apart."""
