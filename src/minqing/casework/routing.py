"""Which department owns a problem: the routing table's decision, as plain functions.

A rule maps a problem type and an area to a department; a rule without an area is the
district-wide default. For a household the most specific rule wins: the one whose area is the
deepest ancestor (or the household's own grid). No rule: no department, and the problem waits
for a person to choose one before it is dispatched.
"""

from __future__ import annotations

from collections.abc import Iterable

# problem type → department: the defaults seeded by migration 0002 (admins edit them)
DEFAULT_RULES = {
    "hardship": "civil_affairs",
    "employment": "human_resources",
    "schooling": "education",
    "medical": "medical_insurance",
    "housing": "housing",
    "disability": "disabled_federation",
    "elderly_care": "civil_affairs",
    "guardianship": "civil_affairs",
    "dispute": "politics_law",
}


def covers(rule_path: str | None, area_path: str) -> bool:
    """Whether a rule for the area at rule_path (None: the whole district) applies to a
    household at area_path. Paths are chains of codes ("410811/410811001/…")."""
    if rule_path is None:
        return True
    return area_path == rule_path or area_path.startswith(rule_path + "/")


def choose_department(rules: Iterable[tuple[str | None, str]], area_path: str) -> str:
    """The department of the most specific rule covering area_path, '' when none does.
    `rules` are (area path or None, department) pairs for one problem type."""
    best, best_depth = "", -1
    for rule_path, department in rules:
        if not covers(rule_path, area_path):
            continue
        depth = 0 if rule_path is None else rule_path.count("/") + 1
        if depth > best_depth:
            best, best_depth = department, depth
    return best


def load_default_rules(rule_model) -> None:
    """Create the district-wide default rules that are missing. Takes the model as an argument
    so migration 0002 can pass its historical model; leaves rules an admin changed alone."""
    for problem_type, department in DEFAULT_RULES.items():
        rule_model.objects.get_or_create(
            problem_type=problem_type, area=None, defaults={"department": department}
        )
