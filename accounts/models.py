"""Organisations, teams, users and their roles, and commissions (an LA commissioning an RHI provider)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Nation(models.TextChoices):
    ENGLAND = "ENG", "England"
    WALES = "WLS", "Wales"
    SCOTLAND = "SCT", "Scotland"
    NORTHERN_IRELAND = "NIR", "Northern Ireland"


class OrganisationKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    POLICE_FORCE = "police_force", "Police force"
    RHI_PROVIDER = "rhi_provider", "RHI provider"
    OTHER_AGENCY = "other_agency", "Other agency"


class Organisation(models.Model):
    """A local authority (DfE three-digit LA code), police force (ONS code E23…/W15…), provider or agency."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    code = models.CharField(
        max_length=12,
        blank=True,
        help_text="DfE LA code (three digits) for a local authority; ONS police force area code (E23…/W15…).",
    )
    nation = models.CharField(max_length=3, choices=Nation.choices, default=Nation.ENGLAND)
    allow_self_allocation = models.BooleanField(
        default=False, help_text="RHI workers may allocate unallocated RHIs to themselves."
    )
    require_two_factor = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"], condition=~Q(code=""), name="organisation_code_unique_per_kind"
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.LOCAL_AUTHORITY) | Q(code__regex=r"^[0-9]{3}$"),
                name="organisation_la_has_three_digit_code",
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.POLICE_FORCE) | Q(code__regex=r"^[EWSN][0-9]{8}$"),
                name="organisation_police_force_has_ons_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == OrganisationKind.LOCAL_AUTHORITY and not (
            len(self.code) == 3 and self.code.isdigit()
        ):
            raise ValidationError({"code": "Enter the local authority's three-digit DfE code, like 202."})
        if self.kind == OrganisationKind.POLICE_FORCE and not (
            len(self.code) == 9 and self.code[0] in "EWSN" and self.code[1:].isdigit()
        ):
            raise ValidationError({"code": "Enter the ONS police force area code, like E23000001."})

    @property
    def is_local_authority(self) -> bool:
        return self.kind == OrganisationKind.LOCAL_AUTHORITY


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"


class User(AbstractUser):
    """A member of staff. Roles come from memberships; a user belongs to one home organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    RHI_WORKER = "rhi_worker", "RHI worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    PERFORMANCE_LEAD = "performance_lead", "Performance lead"
    POLICE = "police", "Police missing-person coordinator"
    PARTNER_VIEWER = "partner_viewer", "Partner authority viewer"
    ORG_ADMIN = "org_admin", "Organisation administrator"


class Membership(models.Model):
    """A user's role in an organisation, optionally within one of its teams."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_one_role_per_org"
            )
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"

    def clean(self) -> None:
        if (
            self.team is not None
            and self.organisation_id
            and self.team.organisation_id != self.organisation_id
        ):
            raise ValidationError({"team": "The team must belong to the same organisation."})


class Commission(models.Model):
    """A local authority commissioning a provider to deliver its return home interviews."""

    local_authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commissions_given",
        limit_choices_to={"kind": OrganisationKind.LOCAL_AUTHORITY},
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commissions_held",
        limit_choices_to={"kind__in": [OrganisationKind.RHI_PROVIDER, OrganisationKind.LOCAL_AUTHORITY]},
        help_text="The charity, or the LA itself for an in-house team.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["local_authority__name", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="commission_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["local_authority", "provider", "starts_on"], name="commission_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority} → {self.provider} from {self.starts_on:%d/%m/%Y}"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be on or after the start date."})


# ---------------------------------------------------------------------------------------------------------
# Partner systems on the REST API (docs/api.md): one client per system, a hashed revocable token, scopes.
# ---------------------------------------------------------------------------------------------------------


class ApiScope(models.TextChoices):
    CHILDREN_READ = "children:read", "Search and read children"
    EPISODES_READ = "episodes:read", "Read missing episodes"
    EPISODES_WRITE = "episodes:write", "Record police notifications and returns"
    CARE_WRITE = "care:write", "Record, end, correct and delete children's periods of care"
    CASE_NOTES_READ = "case_notes:read", "Read the case notes on children (casework roles only)"
    CASE_NOTES_WRITE = "case_notes:write", "Add case notes and corrections (casework roles only)"
    RHI_READ = "rhi:read", "Read return home interviews (at the level shared)"
    REFERRALS_READ = "referrals:read", "Read follow-up referrals"
    DISCLOSURES_READ = "disclosures:read", "Read what was shared with the organisation"
    DISCLOSURES_WRITE = "disclosures:write", "Acknowledge what was shared"
    RETURNS_RUN = "returns:run", "Run statutory returns and download them"


class ApiClientState(models.TextChoices):
    """Whether a client may act (docs/api.md, "Approval"). An org admin issues; a person holding each case role
    the client acts as, in its organisation, approves (four eyes). Only APPROVED clients' tokens work."""

    PENDING = "pending", "Waiting for approval"
    SUSPENDED = "suspended", "Suspended until approved"  # issued before approval existed (migration 0003)
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class ApiClient(models.Model):
    """A partner system of one organisation. It acts as its own system user (``user``, username
    ``api-client-<id>``, no usable password) holding one role in the organisation, so access decides
    what it may see exactly as for a person in that role (accounts/api_auth.py) — and only once a person
    holding that role has approved it (``ApiClientDecision``). Only a hash of the token is kept;
    ``token_prefix`` (the token's first characters) finds the row."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(max_length=100)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_client")
    token_prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Kept by accounts.api_client_services from access.api_clients.api_client_awaiting_roles; the token check
    # asks the rule itself (access.api_clients.api_client_may_act), so this is for lists and filters.
    state = models.CharField(max_length=10, choices=ApiClientState.choices, default=ApiClientState.PENDING)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="api_client_token_hash_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="api_client_has_name"),
        ]

    def __str__(self) -> str:
        return f"API client {self.name} ({self.organisation})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiClientDecisionKind(models.TextChoices):
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class ApiClientDecision(models.Model):
    """A person's approval (or refusal) of one case role an API client acts as: they held that role in the
    client's organisation and did not issue the client (access.api_clients.api_client_roles_user_may_approve).
    One decision per role; the audit trail records it too."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="decisions")
    role = models.CharField(max_length=20, choices=Role.choices)
    decision = models.CharField(max_length=10, choices=ApiClientDecisionKind.choices)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(
        blank=True, help_text="Why it was refused (shown to the organisation's admins)."
    )

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["client", "role"], name="api_client_one_decision_per_role"),
            models.CheckConstraint(
                condition=~Q(role="org_admin"), name="api_client_decision_is_for_a_case_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} as {self.get_role_display()}"
