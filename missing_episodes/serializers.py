"""API shapes for children and missing episodes (missing_episodes/api.py). Thin: the choices are the models',
the rules are the services' (record_notification, record_return)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.db import models
from django.db.models import Func, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organisation, OrganisationKind
from accounts.selectors import organisation_by_code
from missing_episodes import identifiers, plausibility
from missing_episodes.models import (
    Child,
    EpisodeCategory,
    Gender,
    MissingEpisode,
    MissingFrom,
    ReturnMethod,
    RiskLevel,
    initials_of,
)
from missing_episodes.services import NOTIFICATION_FIELDS, ChildDetails
from rhi.models import Outcome


def _organisation(kind: str, code: str, message: str) -> Organisation:
    found = organisation_by_code(kind=kind, code=code)
    if found is None:
        raise serializers.ValidationError(message)
    return found


class ChildSerializer(serializers.ModelSerializer[Child]):
    responsible_la = serializers.CharField(source="responsible_la.code", help_text="DfE LA code.")

    class Meta:
        model = Child
        fields = [
            "id",
            "responsible_la",
            "la_child_id",
            "first_name",
            "last_name",
            "known_as",
            "date_of_birth",
            "gender",
            "ethnicity",
            "legal_status",
            "is_uasc",
            "has_disability",
            "updated_at",
        ]
        read_only_fields = fields


class ChildIdSearchSerializer(serializers.Serializer):
    """The query string of ``GET /api/v1/children/``: an LA child id (optionally in one LA), nothing personal,
    because URLs end up in access logs and browser histories."""

    la_child_id = serializers.CharField(max_length=40)
    responsible_la = serializers.CharField(required=False, max_length=12, help_text="DfE LA code.")


class TextField(serializers.CharField):
    """A JSON string and nothing else: DRF's CharField turns ``0`` or ``true`` into text, which would let a
    mistyped search body run as a search instead of answering 400."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ChildSearchSerializer(serializers.Serializer):
    """Search by LA child id (optionally in one LA), or by surname and date of birth (optionally first name).
    Names and dates of birth come only in a POST body (``/api/v1/children/search/``), never in a URL."""

    la_child_id = TextField(required=False, max_length=40)
    responsible_la = TextField(required=False, max_length=12, help_text="DfE LA code.")
    last_name = TextField(required=False, max_length=100)
    first_name = TextField(required=False, max_length=100)
    date_of_birth = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("la_child_id") and not (attrs.get("last_name") and attrs.get("date_of_birth")):
            raise serializers.ValidationError(
                "Search by la_child_id, or by last_name and date_of_birth (and optionally first_name)."
            )
        return attrs


EPISODE_RESPONSE_FIELDS = [
    "id",
    "visibility",
    "child",
    "child_initials",
    "responsible_la",
    "police_force",
    "police_reference",
    "category",
    "risk_level",
    "missing_from",
    "missing_at",
    "reported_at",
    "returned_at",
    "return_method",
    "found_location",
    "police_notified_at",
    "source",
    "rhi_id",
    "rhi_outcome",
    "created_at",
    "updated_at",
]


def visibility_label(*, full: bool) -> str:
    """An episode's ``visibility`` in the API: "full" with the child's details, "police" with initials only."""
    return "full" if full else "police"


def outcome_shown(outcome: str | None) -> str | None:
    """An RHI's outcome as the API shows it: none yet is null, not ""."""
    return outcome or None


class EpisodeSerializer(serializers.ModelSerializer[MissingEpisode]):
    """An episode. ``visibility`` "full": the caller sees the child; "police": reported to the caller's force,
    so the child is given by initials only (``child`` is null), as on the police pages."""

    visibility = serializers.SerializerMethodField()
    child = serializers.SerializerMethodField()
    child_initials = serializers.CharField(source="child.initials")
    responsible_la = serializers.CharField(source="responsible_la.code")
    police_force = serializers.CharField(source="police_force.code", allow_null=True, default=None)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, allow_blank=True)
    return_method = serializers.ChoiceField(choices=ReturnMethod.choices, allow_blank=True)
    rhi_id = serializers.SerializerMethodField()
    rhi_outcome = serializers.SerializerMethodField()

    class Meta:
        model = MissingEpisode
        fields = EPISODE_RESPONSE_FIELDS
        read_only_fields = fields

    def _full(self, episode: MissingEpisode) -> bool:
        return episode.pk in self.context.get("full_ids", set())

    @extend_schema_field(serializers.ChoiceField(choices=["full", "police"]))
    def get_visibility(self, episode: MissingEpisode) -> str:
        return visibility_label(full=self._full(episode))

    @extend_schema_field(ChildSerializer(allow_null=True))
    def get_child(self, episode: MissingEpisode) -> dict[str, Any] | None:
        if not self._full(episode):
            return None
        # One ChildSerializer for the whole page: building a ModelSerializer's fields per row is the slow part.
        context: dict[str, Any] = self.context  # type: ignore[assignment]  # the dict given by the view
        serializer = context.get("child_serializer")
        if serializer is None:
            serializer = context["child_serializer"] = ChildSerializer()
        return dict(serializer.to_representation(episode.child))

    def _rhi(self, episode: MissingEpisode) -> Any:
        link = getattr(episode, "rhi_link", None)
        return link.rhi if link is not None else None

    def get_rhi_id(self, episode: MissingEpisode) -> int | None:
        rhi = self._rhi(episode)
        return rhi.pk if rhi is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=Outcome.choices, allow_null=True))
    def get_rhi_outcome(self, episode: MissingEpisode) -> str | None:
        rhi = self._rhi(episode)
        return outcome_shown(rhi.outcome) if rhi is not None else None


# The episode list and its sync pages without model instances (docs/api.md, docs/benchmarks.md "The API episode
# list without model instances"): one query of tuples, each field shown by a plain function. The plan is generated
# from EpisodeSerializer's and ChildSerializer's own fields, so they stay the one definition of the response; the
# fields a method computes are written out in _Plan's ``special``. tests/api/test_episode_rows.py proves the JSON
# is the serializer's byte for byte.
Row = Sequence[Any]
Shown = Callable[[Row, bool, tzinfo], Any]


class _UtcText(Func):
    """A timestamp read as UTC text ("2026-05-01T16:30:00.000000"): parsed by ``datetime.fromisoformat`` (C), it
    skips psycopg's pure-Python ``timestamptz`` loader, the largest part of reading a page's rows. SQLite keeps
    timestamps as UTC text already."""

    output_field = models.TextField()
    template = "CAST(%(expressions)s AS text)"

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="""to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')""",
            **extra_context,
        )


def _moment(value: str | None, zone: tzinfo) -> str | None:
    """DRF's DateTimeField output for a ``_UtcText`` value: ISO 8601 in the current time zone, "Z" for UTC."""
    if not value:
        return None
    text = datetime.fromisoformat(value).replace(tzinfo=UTC).astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _column(name: str, index: int, field: serializers.Field[Any, Any, Any, Any]) -> Shown:
    if isinstance(field, serializers.DateTimeField):
        return lambda row, full, zone: _moment(row[index], zone)
    if isinstance(field, serializers.DateField):
        return lambda row, full, zone: None if row[index] is None else row[index].isoformat()
    if isinstance(field, serializers.CharField | serializers.ChoiceField | serializers.IntegerField):
        # Values read from text, choice and integer columns are shown as read (None stays None).
        return lambda row, full, zone: row[index]
    if isinstance(field, serializers.BooleanField):
        return lambda row, full, zone: row[index]
    raise TypeError(
        f"No plain function shows {name} (a {type(field).__name__}): add one to _column, or to _Plan's special."
    )


class _Plan:
    """What to read (``reads``: paths and ``_UtcText`` of timestamps, ``id`` first) and how to show each field of
    an episode and of its child."""

    def __init__(self) -> None:
        self.reads: list[str | _UtcText] = []
        self._index: dict[str, int] = {}
        self._path("id")
        self.child = self._fields(ChildSerializer().fields, prefix="child__")
        first, last = self._path("child__first_name"), self._path("child__last_name")
        rhi, outcome = self._path("rhi_link__rhi_id"), self._path("rhi_link__rhi__outcome")
        child = self.child
        special: dict[str, Shown] = {
            "visibility": lambda row, full, zone: visibility_label(full=full),
            "child": lambda row, full, zone: (
                {name: show(row, full, zone) for name, show in child} if full else None
            ),
            "child_initials": lambda row, full, zone: initials_of(row[first], row[last]),
            "rhi_id": lambda row, full, zone: row[rhi],
            "rhi_outcome": lambda row, full, zone: outcome_shown(row[outcome]),
        }
        self.episode = self._fields(EpisodeSerializer().fields, prefix="", special=special)

    def _path(self, path: str, *, moment: bool = False) -> int:
        key = f"{path} as text" if moment else path
        if key not in self._index:
            self._index[key] = len(self.reads)
            self.reads.append(_UtcText(path) if moment else path)
        return self._index[key]

    def _fields(
        self, fields: Any, *, prefix: str, special: dict[str, Shown] | None = None
    ) -> list[tuple[str, Shown]]:
        shown: list[tuple[str, Shown]] = []
        for name, field in fields.items():
            if special is not None and name in special:
                shown.append((name, special[name]))
            else:
                path = prefix + field.source.replace(".", "__")
                moment = isinstance(field, serializers.DateTimeField)
                shown.append((name, _column(name, self._path(path, moment=moment), field)))
        return shown


@functools.cache
def _plan() -> _Plan:
    return _Plan()


def episode_row_values(episodes: QuerySet[MissingEpisode]) -> QuerySet[MissingEpisode, tuple[Any, ...]]:
    """The episodes as the tuples ``episode_rows_data`` shows (the primary key first)."""
    return episodes.values_list(*_plan().reads)


def episode_rows_data(rows: Iterable[Row], *, full_ids: set[int]) -> list[dict[str, Any]]:
    """``EpisodeSerializer(many=True).data`` for rows read by ``episode_row_values``; ``full_ids`` as the
    serializer's context (the episodes shown with the child's details)."""
    episode = _plan().episode
    zone = timezone.get_current_timezone()
    return [{name: show(row, row[0] in full_ids, zone) for name, show in episode} for row in rows]


class EpisodeCreateSerializer(serializers.Serializer):
    """A police notification: the child's details and ``NOTIFICATION_FIELDS``, the same as a row of
    ``import_episodes`` (docs/import-episodes.md) and the web form. Times without an offset are UK local time."""

    police_force = serializers.CharField(
        max_length=12, help_text="ONS police force area code, like E23000014."
    )
    police_reference = serializers.CharField(
        max_length=40, validators=[identifiers.validate_police_reference]
    )
    responsible_la = serializers.CharField(max_length=12, help_text="DfE LA code, like 333.")
    la_child_id = serializers.CharField(
        max_length=40,
        validators=[identifiers.validate_la_child_id],
        required=False,
        allow_blank=True,
        default="",
        help_text="The council's id for the child. Leave it out when it is not known (a police system): the "
        "child is then matched by name and date of birth (docs/import-episodes.md).",
    )
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices, default=Gender.NOT_KNOWN)
    category = serializers.ChoiceField(choices=EpisodeCategory.choices)
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, allow_blank=True, default=""
    )
    missing_from = serializers.ChoiceField(choices=MissingFrom.choices)
    missing_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    returned_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    # No default: left out, it keeps what an episode already recorded holds (clients written before it was
    # accepted must not clear a method typed into the web form); blank clears it.
    return_method = serializers.ChoiceField(choices=ReturnMethod.choices, required=False, allow_blank=True)
    police_notified_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    found_location = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    reclassified_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the police changed the category or risk grade this notification sends again (between "
        "the time last seen and now); left out, the time it is recorded (docs/episode-changes.md).",
    )
    confirm_age = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True confirms a date of birth that makes the child over 25 at the episode; without it such "
        "a notification is refused with a question on date_of_birth (docs/corrections.md).",
    )

    def validate_police_force(self, value: str) -> Organisation:
        return _organisation(
            OrganisationKind.POLICE_FORCE, value, "Enter a known police force area code, like E23000014."
        )

    def validate_responsible_la(self, value: str) -> Organisation:
        return _organisation(
            OrganisationKind.LOCAL_AUTHORITY, value, "Enter a known DfE local authority code, like 333."
        )

    def validate_police_reference(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(
                "Enter the police reference: it is how retries find the episode."
            )
        return value.strip()

    def validate_date_of_birth(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError(plausibility.DOB_IN_FUTURE)
        return value

    def child_details(self) -> ChildDetails:
        data = self.validated_data
        return ChildDetails(
            responsible_la=data["responsible_la"],
            la_child_id=data["la_child_id"].strip(),
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            date_of_birth=data["date_of_birth"],
            gender=data["gender"],
        )

    def notification_fields(self) -> dict[str, Any]:
        """The notification's fields as ``record_notification`` takes them (those sent, or defaulted)."""
        return {
            name: self.validated_data[name] for name in NOTIFICATION_FIELDS if name in self.validated_data
        }


class EpisodeReturnSerializer(serializers.Serializer):
    """The child's return (or being found). Optional fields left out keep what the episode holds."""

    returned_at = serializers.DateTimeField()
    return_method = serializers.ChoiceField(choices=ReturnMethod.choices, required=False)
    found_location = serializers.CharField(max_length=255, required=False, allow_blank=True)
    police_notified_at = serializers.DateTimeField(required=False, allow_null=True)

    def episode_fields(self) -> dict[str, Any]:
        data = self.validated_data
        fields: dict[str, Any] = {"returned_at": data["returned_at"]}
        for name in ("return_method", "found_location", "police_notified_at"):
            if data.get(name):
                fields[name] = data[name]
        return fields
