"""Writes to the ledger, the problem and measure lists, pairing and visits.

Every action: is atomic; takes the acting user as `by=`; asks the user's scope
(queries.ledger_scope) whether they may; checks the transition against the tables in models.py
on a freshly locked row; keeps a Change row per changed value (who, when, why); writes one audit
event. A refused action raises CaseworkError (NotPermitted, ConflictError) with a Chinese message
for the page, and its refusal is audited too.

One module per list (ledger, problems, measures, pairing, visits, identifiers), the overdue
sweep (overdue) and a user's notices (notices); import the actions from here.
"""

from minqing.casework.actions.common import CaseworkError, ConflictError, NotPermitted
from minqing.casework.actions.identifiers import REVEALABLE, reveal_identifier
from minqing.casework.actions.ledger import (
    add_entry,
    change_entry_status,
    confirm_proposal,
    reclassify_entry,
    reject_proposal,
    sync_entry_areas,
)
from minqing.casework.actions.measures import (
    EDITABLE_MEASURE_FIELDS,
    add_measure,
    cancel_measure,
    close_measure,
    update_measure,
)
from minqing.casework.actions.notices import mark_notice_read
from minqing.casework.actions.overdue import sweep_overdue
from minqing.casework.actions.pairing import UNCHANGED, assign_pairing
from minqing.casework.actions.problems import (
    accept_problem,
    dispatch_problem,
    raise_problem,
    resolve_problem,
    return_problem,
    set_major,
    transfer_problem,
)
from minqing.casework.actions.visits import record_visit

__all__ = [
    "EDITABLE_MEASURE_FIELDS",
    "REVEALABLE",
    "UNCHANGED",
    "CaseworkError",
    "ConflictError",
    "NotPermitted",
    "accept_problem",
    "add_entry",
    "add_measure",
    "assign_pairing",
    "cancel_measure",
    "change_entry_status",
    "close_measure",
    "confirm_proposal",
    "dispatch_problem",
    "mark_notice_read",
    "raise_problem",
    "reclassify_entry",
    "record_visit",
    "reject_proposal",
    "resolve_problem",
    "return_problem",
    "reveal_identifier",
    "set_major",
    "sweep_overdue",
    "sync_entry_areas",
    "transfer_problem",
    "update_measure",
]
