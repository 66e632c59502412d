"""An organisation administrator's writes on its people and settings (issue 14 item 6, docs/org-admin.md).

Each service re-asks the rule (access.org_admin) whatever page called it, owns its transaction and writes one
audit event with the old and new values as codes (role codes, ids, booleans: never a name or an address).
Another organisation's person, team or membership raises ``NotYours`` (the page answers 404); a role the admin
lacks raises ``PermissionDenied`` (nobody gives what they lack: the rule of issue 11).
"""

from __future__ import annotations

import logging

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.org_admin import (
    manageable_users,
    may_give_role,
    self_allocation_organisation_ids,
    user_admin_organisation_ids,
)
from accounts.models import Membership, Organisation, Role, Team, User
from accounts.selectors import is_invited
from accounts.tokens import invitation_matches
from audit.models import AuditAction
from audit.services import record_event
from core.enqueue import call_after_commit, publisher, send_task

logger = logging.getLogger(__name__)


class NotYours(Exception):
    """The person, team or membership is not one this admin manages (answered 404, like an unknown id)."""


def _managed_user(by: User, user_id: int) -> User:
    user = manageable_users(by).select_for_update(of=("self",)).filter(pk=user_id).first()
    if user is None:
        raise NotYours
    return user


def _managed_membership(by: User, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(pk=membership_id, user__in=manageable_users(by))
        .filter(organisation_id__in=user_admin_organisation_ids(by))
        .first()
    )
    if membership is None:
        raise NotYours
    return membership


def _team_of(organisation_id: int, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id, organisation_id=organisation_id).first()
    if team is None:
        raise ValidationError({"team": "Choose one of your organisation's teams."})
    return team


@transaction.atomic(durable=True)
def give_role(*, by: User, user_id: int, role: str, team_id: int | None = None) -> Membership:
    """Give ``role`` (in the person's home organisation, optionally in one of its teams). Refused when the
    admin does not hold that role there themselves."""
    user = _managed_user(by, user_id)
    organisation_id = user.organisation_id
    assert organisation_id is not None  # manageable users have a home organisation
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if not may_give_role(by, organisation_id, role):
        raise PermissionDenied
    team = _team_of(organisation_id, team_id)
    if Membership.objects.filter(user=user, organisation_id=organisation_id, role=role).exists():
        raise ValidationError({"role": "They already have this role."})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, organisation_id=organisation_id, role=role, team=team
            )
    except IntegrityError:  # given by someone else at the same moment
        raise ValidationError({"role": "They already have this role."}) from None
    record_event(
        actor=by,
        action=AuditAction.CREATE,
        obj=membership,
        detail={"user": user.pk, "old": None, "new": {"role": role, "team": team_id}},
    )
    return membership


@transaction.atomic(durable=True)
def remove_role(*, by: User, membership_id: int) -> None:
    """Take a role away. An admin may not remove their own org admin role (nobody else might be left)."""
    membership = _managed_membership(by, membership_id)
    if membership.user_id == by.pk and membership.role == Role.ORG_ADMIN:
        raise ValidationError({"role": "You cannot remove your own administrator role."})
    old = {"role": membership.role, "team": membership.team_id}
    record_event(
        actor=by,
        action=AuditAction.DELETE,
        obj=membership,
        detail={"user": membership.user_id, "old": old, "new": None},
    )
    membership.delete()


@transaction.atomic(durable=True)
def set_team(*, by: User, membership_id: int, team_id: int | None) -> Membership:
    """Put one of a person's roles in a team of the organisation (or in none)."""
    membership = _managed_membership(by, membership_id)
    old = membership.team_id
    membership.team = _team_of(membership.organisation_id, team_id)
    membership.save(update_fields=["team"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=membership,
        detail={"user": membership.user_id, "field": "team", "old": old, "new": team_id},
    )
    return membership


@transaction.atomic(durable=True)
def create_team(*, by: User, organisation_id: int, name: str) -> Team:
    if organisation_id not in user_admin_organisation_ids(by):
        raise NotYours
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter the team's name."})
    if Team.objects.filter(organisation_id=organisation_id, name__iexact=name).exists():
        raise ValidationError({"name": "Your organisation already has a team with this name."})
    try:
        with transaction.atomic():
            team = Team.objects.create(organisation_id=organisation_id, name=name)
    except IntegrityError:
        raise ValidationError({"name": "Your organisation already has a team with this name."}) from None
    record_event(actor=by, action=AuditAction.CREATE, obj=team, detail={"organisation": organisation_id})
    return team


@transaction.atomic(durable=True)
def set_active(*, by: User, user_id: int, active: bool) -> User:
    """Deactivate (they can no longer sign in; their sessions end at their next request) or reactivate."""
    user = _managed_user(by, user_id)
    if user.pk == by.pk and not active:
        raise ValidationError({"active": "You cannot deactivate yourself."})
    old = user.is_active
    if old != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=user,
        detail={"field": "is_active", "old": old, "new": active},
    )
    return user


@transaction.atomic(durable=True)
def reset_two_factor(*, by: User, user_id: int) -> int:
    """Remove the person's authenticator app (a lost phone): they set up a new one at their next sign-in if
    their organisation requires it. Returns how many devices were removed."""
    user = _managed_user(by, user_id)
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=user,
        detail={"field": "two_factor", "old": {"devices": removed}, "new": {"devices": 0}},
    )
    return removed


@transaction.atomic(durable=True)
def unlock(*, by: User, user_id: int) -> int:
    """Clear the person's failed sign-ins from every address (django-axes), ending a lockout at once."""
    user = _managed_user(by, user_id)
    cleared = axes_reset(username=user.username)
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=user,
        detail={"field": "lockout", "old": {"attempt_records": cleared}, "new": {"attempt_records": 0}},
    )
    return cleared


def _administered(by: User, organisation_id: int) -> Organisation:
    if organisation_id not in user_admin_organisation_ids(by):
        raise NotYours
    return Organisation.objects.select_for_update().get(pk=organisation_id)


@transaction.atomic(durable=True)
def set_require_two_factor(*, by: User, organisation_id: int, required: bool) -> Organisation:
    """Require an authenticator app of everyone in the organisation (set up straight after signing in)."""
    organisation = _administered(by, organisation_id)
    old = organisation.require_two_factor
    organisation.require_two_factor = required
    organisation.save(update_fields=["require_two_factor"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=organisation,
        detail={"field": "require_two_factor", "old": old, "new": required},
    )
    return organisation


@transaction.atomic(durable=True)
def set_self_allocation(*, by: User, organisation_id: int, allowed: bool) -> Organisation:
    """Let the organisation's RHI workers take unallocated RHIs themselves (providers and in-house teams)."""
    if organisation_id not in self_allocation_organisation_ids(by):
        raise NotYours
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    old = organisation.allow_self_allocation
    organisation.allow_self_allocation = allowed
    organisation.save(update_fields=["allow_self_allocation"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=organisation,
        detail={"field": "allow_self_allocation", "old": old, "new": allowed},
    )
    return organisation


# --- Invitations ----------------------------------------------------------------------------------------------
# The email goes through the notification channel (alerts.emails.send_invitation_email, its retries and failed
# state); accounts sits under alerts, so it announces the work by the task's name (core.enqueue).
INVITATION_EMAIL_TASK = "rhi.send_invitation_email"


def _announce_invitation(user_id: int) -> None:
    try:
        with publisher() as producer:
            send_task(INVITATION_EMAIL_TASK, user_id, producer=producer)
    except Exception as exc:  # a broker that is down never fails the invitation; "Send the invitation again"
        logger.warning("broker unavailable (%s): invitation email not queued", type(exc).__name__)


@transaction.atomic(durable=True)
def invite_user(
    *,
    by: User,
    organisation_id: int,
    first_name: str,
    last_name: str,
    email: str,
    username: str,
    role: str,
    team_id: int | None = None,
) -> User:
    """A new person of the admin's organisation holding ``role`` (one the admin may give), who joins through a
    one-time link emailed to them: they choose a password (and set up an authenticator app if the organisation
    requires one). Until then they cannot sign in."""
    if organisation_id not in user_admin_organisation_ids(by):
        raise NotYours
    if not may_give_role(by, organisation_id, role):
        raise PermissionDenied
    team = _team_of(organisation_id, team_id)
    errors: dict[str, str] = {}
    if User.objects.filter(username__iexact=username.strip()).exists():
        errors["username"] = "That username is taken. Choose another."
    if User.objects.filter(email__iexact=email.strip()).exists():
        errors["email"] = "Someone already uses this email address."
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        organisation_id=organisation_id,
    )
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organisation_id=organisation_id, role=role, team=team)
    record_event(
        actor=by,
        action=AuditAction.CREATE,
        obj=user,
        detail={"invited": True, "old": None, "new": {"role": role, "team": team_id}},
    )
    call_after_commit(_announce_invitation, user.pk)
    return user


@transaction.atomic(durable=True)
def resend_invitation(*, by: User, user_id: int) -> None:
    """A new link for someone invited who has not joined yet (the last one was lost or ran out)."""
    user = _managed_user(by, user_id)
    if not is_invited(user) or not user.is_active:
        raise ValidationError({"invitation": "They have already joined, or their account is deactivated."})
    record_event(actor=by, action=AuditAction.UPDATE, obj=user, detail={"invitation": "sent again"})
    call_after_commit(_announce_invitation, user.pk)


@transaction.atomic(durable=True)
def accept_invitation(*, user_id: int, mark: str, password: str) -> User:
    """The invitee chooses their password (already checked by the form's password rules): the link then
    stops working, as its mark no longer matches."""
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or not invitation_matches(user, mark):
        raise NotYours
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor=user, action=AuditAction.UPDATE, obj=user, detail={"invitation": "accepted"})
    return user
