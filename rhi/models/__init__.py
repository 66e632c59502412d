"""The rhi app's models, one module per subject; Django finds them (and everyone imports them) here.

policy   clock policies
rhi      the RHI, its lifecycle states, episodes and state transitions
records  contact attempts, the interview, its findings and the manager's review decisions
reports  generated PDFs
"""

from rhi.models.policy import (
    ClockBasis,
    ClockPolicy,
    ClockUnit,
    RepeatRule,
)
from rhi.models.records import (
    Associate,
    ChildChoice,
    ContactAttempt,
    ContactOutcome,
    ContactWith,
    Interview,
    InterviewerIndependence,
    InterviewLocation,
    Location,
    PlaceType,
    PullFactor,
    PushFactor,
    ReviewDecision,
    ReviewDecisionKind,
    RiskIndicator,
    RiskIndicatorFinding,
)
from rhi.models.reports import (
    ReportDocument,
    ReportKind,
)
from rhi.models.rhi import (
    AWAITING_CONTACT_STATES,
    CLOCK_RUNNING_STATES,
    CLOSED_STATES,
    OPEN_STATES,
    ConsentToShare,
    ContactMethod,
    DeclinedBy,
    DeclineReason,
    NotOfferedReason,
    OfferedTo,
    Outcome,
    RecordSource,
    ReturnHomeInterview,
    RHIEpisode,
    RHIState,
    StateTransition,
)

__all__ = [
    "AWAITING_CONTACT_STATES",
    "CLOCK_RUNNING_STATES",
    "CLOSED_STATES",
    "OPEN_STATES",
    "Associate",
    "ChildChoice",
    "ClockBasis",
    "ClockPolicy",
    "ClockUnit",
    "ConsentToShare",
    "ContactAttempt",
    "ContactMethod",
    "ContactOutcome",
    "ContactWith",
    "DeclineReason",
    "DeclinedBy",
    "Interview",
    "InterviewLocation",
    "InterviewerIndependence",
    "Location",
    "NotOfferedReason",
    "OfferedTo",
    "Outcome",
    "PlaceType",
    "PullFactor",
    "PushFactor",
    "RHIEpisode",
    "RHIState",
    "RecordSource",
    "RepeatRule",
    "ReportDocument",
    "ReportKind",
    "ReturnHomeInterview",
    "ReviewDecision",
    "ReviewDecisionKind",
    "RiskIndicator",
    "RiskIndicatorFinding",
    "StateTransition",
]
