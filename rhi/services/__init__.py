"""Writes to RHIs. Each function owns its transaction and takes keyword-only arguments.

- ``deadlines``: opening an RHI on return, bunching, storing and recomputing deadlines, policy corrections.
- ``findings``: the draft report (findings, places, people, risks), consent to share, interview details.
- ``history``: past outcomes from the historic import (closed without the live lifecycle).
- ``lifecycle``: state transitions (allocation, contact, offer, outcome, interview, review).
- ``policies``: saving a version of an LA's clock policy.
"""

from rhi.services.deadlines import (
    DEADLINE_FIELDS,
    NewEpisodeRHIs,
    apply_policy_to_open_rhis,
    correct_policy_snapshot,
    handling_authority,
    open_rhi_for_returned_episode,
    policy_snapshot,
    recompute_deadlines,
)
from rhi.services.findings import (
    record_consent,
    save_findings,
    update_interview_details,
)
from rhi.services.history import HistoryResult, record_historic_outcome
from rhi.services.lifecycle import (
    ActionNotAllowed,
    StaleVersionError,
    TransitionError,
    allocate_rhi,
    approval_refusal,
    approve,
    log_contact_attempt,
    record_acceptance,
    record_decline,
    record_interview,
    record_not_offered,
    record_offer,
    record_unable_to_contact,
    return_for_changes,
    submit_for_approval,
)
from rhi.services.policies import POLICY_FIELDS, save_clock_policy

__all__ = [
    "DEADLINE_FIELDS",
    "POLICY_FIELDS",
    "ActionNotAllowed",
    "HistoryResult",
    "NewEpisodeRHIs",
    "StaleVersionError",
    "TransitionError",
    "allocate_rhi",
    "apply_policy_to_open_rhis",
    "approval_refusal",
    "approve",
    "correct_policy_snapshot",
    "handling_authority",
    "log_contact_attempt",
    "open_rhi_for_returned_episode",
    "policy_snapshot",
    "recompute_deadlines",
    "record_acceptance",
    "record_consent",
    "record_decline",
    "record_historic_outcome",
    "record_interview",
    "record_not_offered",
    "record_offer",
    "record_unable_to_contact",
    "return_for_changes",
    "save_clock_policy",
    "save_findings",
    "submit_for_approval",
    "update_interview_details",
]
