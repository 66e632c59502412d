"""Forms of the organisation admin's pages (accounts.org_admin_views). Their choices come from the rule
(access.org_admin) so a page offers only what the service will accept; the services check again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import QuerySet

from accounts.models import Membership, Role, Team, User
from core.forms import GovUKForm

ROLE_REQUIRED = {"required": "Choose a role.", "invalid_choice": "Choose a role you may give."}
TEAM_CHOICE = {"invalid_choice": "Choose one of your organisation's teams."}


def role_choices(roles: set[str]) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role if role.value in roles]


def team_name(team: Team) -> str:
    return team.name  # the organisation is the page's own: "(Birmingham)" after every team says nothing


class GiveRoleForm(GovUKForm):
    role = forms.ChoiceField(label="Role", error_messages=ROLE_REQUIRED)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Team",
        empty_label="No team",
        error_messages=TEAM_CHOICE,
    )

    def __init__(self, *args: Any, roles: set[str], teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Choose a role"), *role_choices(roles)]  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].label_from_instance = team_name  # type: ignore[attr-defined]


class MembershipForm(GovUKForm):
    """Which of the person's roles a button acts on (remove it, or put it in a team)."""

    membership = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": "Choose a role.", "invalid_choice": "Choose one of their roles."},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Team",
        empty_label="No team",
        error_messages=TEAM_CHOICE,
    )

    def __init__(
        self, *args: Any, memberships: QuerySet[Membership], teams: QuerySet[Team], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].label_from_instance = team_name  # type: ignore[attr-defined]


class OrganisationSettingsForm(GovUKForm):
    require_two_factor = forms.BooleanField(
        required=False,
        label="Everyone must use an authenticator app (two-factor authentication)",
        help_text="People without one set it up straight after they next sign in.",
    )
    allow_self_allocation = forms.BooleanField(
        required=False,
        label="RHI workers may take unallocated interviews themselves",
        help_text="Otherwise only a team manager allocates them.",
    )

    def __init__(self, *args: Any, self_allocation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self_allocation:
            del self.fields["allow_self_allocation"]


class TeamForm(GovUKForm):
    name = forms.CharField(
        max_length=200,
        label="Team name",
        error_messages={
            "required": "Enter the team's name.",
            "max_length": "The team's name must be 200 characters or fewer.",
        },
    )


class InviteForm(GovUKForm):
    first_name = forms.CharField(
        max_length=150,
        label="First name",
        error_messages={
            "required": "Enter their first name.",
            "max_length": "The first name must be 150 characters or fewer.",
        },
    )
    last_name = forms.CharField(
        max_length=150,
        label="Last name",
        error_messages={
            "required": "Enter their last name.",
            "max_length": "The last name must be 150 characters or fewer.",
        },
    )
    email = forms.EmailField(
        max_length=254,
        label="Work email address",
        help_text="The invitation link is sent here. It works once, for 7 days.",
        error_messages={
            "required": "Enter their work email address.",
            "invalid": "Enter an email address in the correct format, like name@council.gov.uk.",
            "max_length": "The email address must be 254 characters or fewer.",
        },
    )
    username = forms.RegexField(
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        label="Username",
        help_text="What they type to sign in, like j.smith. Letters, digits and . @ + - _ only.",
        error_messages={
            "required": "Enter a username.",
            "invalid": "The username may have only letters, digits and . @ + - _",
            "max_length": "The username must be 150 characters or fewer.",
        },
    )
    role = forms.ChoiceField(label="Role", error_messages=ROLE_REQUIRED)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Team",
        empty_label="No team",
        error_messages=TEAM_CHOICE,
    )

    def __init__(self, *args: Any, roles: set[str], teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Choose a role"), *role_choices(roles)]  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].label_from_instance = team_name  # type: ignore[attr-defined]


class AcceptInvitationForm(SetPasswordForm):
    """The invitee chooses a password, checked by the service's password rules (docs/account-security.md)."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label, second.label = "Choose a password", "Type the password again"
        first.help_text = "At least 12 characters, not a common password and not all numbers."
        first.error_messages["required"] = "Enter a password."
        second.error_messages["required"] = "Type the password again."
