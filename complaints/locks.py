"""Row locks of complaints, in one place (docs/architecture.md#orders, "Row locks")."""

from __future__ import annotations

from complaints.models import Complaint


def complaint_lock(*, pk: int) -> Complaint:
    """One complaint, locked: its steps (ask, answer, warn, suspend, resolve) run one at a time, so a
    merchant answering while the operator resolves ends in one state with both events in order."""
    return Complaint.objects.select_for_update(of=("self",)).select_related("shop").get(pk=pk)
