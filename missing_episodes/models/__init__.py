"""The missing_episodes app's models, one module per subject; Django finds them (and everyone imports them)
here.

children   children, placements, flags, possible duplicates
care       periods of care (when a child was looked after)
episodes   missing and absent episodes, police notifications waiting for the council, children to match
changes    reclassifications and re-graded risk during an episode
corrections  facts corrected after they were recorded (an episode's times, a date of birth)
imports    web uploads imported by a task
"""

from missing_episodes.models.care import (
    CareDeletionReason,
    CareLegalStatus,
    CarePeriod,
    CareSource,
    covers_q,
    eighteenth_birthday,
)
from missing_episodes.models.changes import ChangedField, EpisodeChange
from missing_episodes.models.children import (
    LA_ONLY,
    POLICE_ONLY,
    Child,
    ChildFlag,
    DuplicateReason,
    DuplicateStatus,
    Ethnicity,
    FlagKind,
    Gender,
    LegalStatus,
    Placement,
    PlacementType,
    PossibleDuplicate,
    initials_of,
    validate_not_future_date,
    validate_not_future_datetime,
)
from missing_episodes.models.corrections import (
    EPISODE_FIELDS,
    CorrectedField,
    CorrectionReason,
    FactCorrection,
    shown_value,
)
from missing_episodes.models.episodes import (
    ChildMatchQuestion,
    EpisodeCategory,
    EpisodeSource,
    MatchReason,
    MatchStatus,
    MissingEpisode,
    MissingFrom,
    PendingEpisodeLink,
    PendingLinkStatus,
    ReturnMethod,
    RiskLevel,
)
from missing_episodes.models.imports import (
    ColumnMapping,
    ImportJob,
    ImportKind,
    ImportState,
)

__all__ = [
    "EPISODE_FIELDS",
    "LA_ONLY",
    "POLICE_ONLY",
    "CareDeletionReason",
    "CareLegalStatus",
    "CarePeriod",
    "CareSource",
    "ChangedField",
    "Child",
    "ChildFlag",
    "ChildMatchQuestion",
    "ColumnMapping",
    "CorrectedField",
    "CorrectionReason",
    "DuplicateReason",
    "DuplicateStatus",
    "EpisodeCategory",
    "EpisodeChange",
    "EpisodeSource",
    "Ethnicity",
    "FactCorrection",
    "FlagKind",
    "Gender",
    "ImportJob",
    "ImportKind",
    "ImportState",
    "LegalStatus",
    "MatchReason",
    "MatchStatus",
    "MissingEpisode",
    "MissingFrom",
    "PendingEpisodeLink",
    "PendingLinkStatus",
    "Placement",
    "PlacementType",
    "PossibleDuplicate",
    "ReturnMethod",
    "RiskLevel",
    "covers_q",
    "eighteenth_birthday",
    "initials_of",
    "shown_value",
    "validate_not_future_date",
    "validate_not_future_datetime",
]
