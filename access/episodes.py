"""Children, missing episodes, pending links and placements: who sees them and who may record notifications and
returns (docs/returns.md, docs/out-of-area.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from access.api_clients import api_client_care_writer, api_client_may_act
from access.casework import visible_rhis
from access.memberships import (
    casework_organisation_ids,
    intake_authority_ids,
    is_casework_user,
    placement_authority_ids,
    police_force_ids,
)
from accounts.models import Organisation, OrganisationKind, User
from missing_episodes.models import (
    Child,
    ChildMatchQuestion,
    MatchStatus,
    MissingEpisode,
    PendingEpisodeLink,
    PendingLinkStatus,
    Placement,
)
from rhi.models import ReturnHomeInterview


def _seen_in_full_because(
    user: User | AnonymousUser,
) -> tuple[list[int], QuerySet[ReturnHomeInterview] | None]:
    """The one rule for seeing a child in full, as its two reasons: the LAs whose children's notifications the
    user records (sorted ids), and the RHIs the user works on (None for a user who works on none). The child
    filter (``visible_children_filter``) and the episode list's branches (``full_episode_branches``) are both
    built from it."""
    rhis = visible_rhis(user) if is_casework_user(user) else None
    return sorted(intake_authority_ids(user)), rhis


def visible_children_filter(user: User | AnonymousUser, prefix: str = "") -> Q:
    """``visible_children`` as a query filter (``prefix`` e.g. "child__" from an episode). The RHI part is a
    correlated EXISTS, never ``pk IN (children of the user's RHIs)``: inside the OR PostgreSQL cannot turn an IN
    into a join, so it hashed every RHI of the provider for each search or page; an EXISTS is checked per
    candidate row through the RHIs' child index, or hashed where the planner finds that cheaper (docs/api.md,
    docs/benchmarks.md "Pages within budget")."""
    authorities, rhis = _seen_in_full_because(user)
    condition = Q(**{f"{prefix}responsible_la_id__in": authorities}) if authorities else Q(pk__in=[])
    if rhis is not None:
        condition |= Q(Exists(rhis.filter(child_id=OuterRef(f"{prefix}pk"))))
    return condition


def visible_children(user: User | AnonymousUser) -> QuerySet[Child]:
    """Children a casework user may see in full: those of the LAs they record notifications for, and those
    of the RHIs they work on. Matches nothing for everyone else."""
    return Child.objects.filter(visible_children_filter(user))


def visible_episodes(user: User | AnonymousUser) -> QuerySet[MissingEpisode]:
    """Episodes of the children the user may see."""
    return MissingEpisode.objects.filter(child__in=visible_children(user))


def _any_of(branches: list[Q]) -> Q:
    condition = Q(pk__in=[])
    for branch in branches:
        condition |= branch
    return condition


def full_episode_branches(user: User | AnonymousUser) -> list[Q]:
    """Why a user sees an episode with the child's details, one filter (on MissingEpisode) per reason: the
    child's current LA is one they take notifications for (one branch per LA, on the episode's maintained copy
    ``child_la`` and its index ``(child_la, updated_at, id)``), or the child has an RHI they work on. The same
    rule as ``visible_children``, read without joining the child, so that each branch of a list ordered by
    ``(updated_at, id)`` walks its own index and stops at the page (docs/benchmarks.md, "Pages within budget")."""
    authorities, rhis = _seen_in_full_because(user)
    if rhis is None:
        return []  # as ``full_episode_filter`` always was: episodes in full are casework users' only
    branches = [Q(child_la_id=authority) for authority in authorities]
    branches.append(Q(Exists(rhis.filter(child_id=OuterRef("child_id")))))
    return branches


def police_episode_branches(user: User | AnonymousUser) -> list[Q]:
    """Episodes reported to a force the user is a missing-person coordinator for, one filter per force (index
    ``(police_force, updated_at, id)``)."""
    return [Q(police_force_id=force) for force in sorted(police_force_ids(user))]


def readable_episode_branches(user: User | AnonymousUser) -> list[Q]:
    """Every reason a user may read an episode (``readable_episodes`` is their OR); the API's list unions them
    as keyset branches (api.pagination.KeysetPagination.paginate_branches)."""
    return full_episode_branches(user) + police_episode_branches(user)


def police_episode_filter(user: User | AnonymousUser) -> Q:
    """Episodes reported to a force the user is a missing-person coordinator for."""
    return _any_of(police_episode_branches(user))


def full_episode_filter(user: User | AnonymousUser) -> Q:
    """Episodes (as a filter on MissingEpisode) the user sees with the child's details: those of the children
    they see in full (``visible_episodes``), checked per row so a keyset-paged list stays on its index."""
    return _any_of(full_episode_branches(user))


def full_episode_ids(user: User | AnonymousUser, ids: Iterable[int]) -> set[int]:
    """Which of these episodes the user sees with the child's details (one query for a page of the API's list);
    the others, read through ``police_episode_filter``, are shown without them."""
    wanted = set(ids)
    if not wanted or not is_casework_user(user):
        return set()
    return set(
        MissingEpisode.objects.filter(full_episode_filter(user), pk__in=wanted).values_list("pk", flat=True)
    )


def readable_episodes(user: User | AnonymousUser) -> QuerySet[MissingEpisode]:
    """Episodes the user may read: those seen in full (``full_episode_filter``), and, for a missing-person
    coordinator, those reported to their force (shown without the child's details)."""
    return MissingEpisode.objects.filter(_any_of(readable_episode_branches(user)))


def can_record_notification(
    user: User | AnonymousUser, *, police_force_id: int | None, responsible_la_id: int
) -> bool:
    """Record a police notification: casework users for the LAs they take notifications for (the intake
    form's rule), and a missing-person coordinator (a force's system) for episodes reported to their own force,
    whichever council is responsible for the child."""
    if responsible_la_id in intake_authority_ids(user):
        return True
    return police_force_id is not None and police_force_id in police_force_ids(user)


def may_link_episode_to_child(user: User | AnonymousUser, child: Child) -> bool:
    """Attach a notification to this existing child at once: a casework user who sees the child, or a
    missing-person coordinator whose force already has a relation to the child (an episode reported to it, or
    the current placement in its area). Anyone else's notification waits for the council to confirm the link
    (``pending_link_filter``), so an API client cannot attach itself to any child whose details it knows."""
    if visible_children(user).filter(pk=child.pk).exists():
        return True
    forces = police_force_ids(user)
    if not forces:
        return False
    return (
        MissingEpisode.objects.filter(child_id=child.pk, police_force_id__in=forces).exists()
        or Placement.objects.filter(
            child_id=child.pk, end_date__isnull=True, police_force_area_id__in=forces
        ).exists()
    )


def pending_link_filter(user: User | AnonymousUser) -> Q:
    """Notifications waiting for a link to be confirmed (as a filter on PendingEpisodeLink) that this user may
    confirm or reject: RHI workers and team managers of the child's responsible LA or of a provider it
    commissions (``intake_authority_ids``)."""
    authorities = intake_authority_ids(user)
    if not authorities:
        return Q(pk__in=[])
    return Q(status=PendingLinkStatus.PENDING, child__responsible_la_id__in=authorities)


def can_decide_episode_link(user: User | AnonymousUser, link: PendingEpisodeLink) -> bool:
    return PendingEpisodeLink.objects.filter(pending_link_filter(user), pk=link.pk).exists()


def child_match_filter(user: User | AnonymousUser) -> Q:
    """Open "match the child" questions (as a filter on ChildMatchQuestion) this user may decide: RHI workers
    and team managers of the responsible LA or of a provider it commissions (``intake_authority_ids``), who see
    that LA's children, the candidates among them."""
    authorities = intake_authority_ids(user)
    if not authorities:
        return Q(pk__in=[])
    return Q(status=MatchStatus.OPEN, responsible_la_id__in=authorities)


def can_decide_child_match(user: User | AnonymousUser, question: ChildMatchQuestion) -> bool:
    return ChildMatchQuestion.objects.filter(child_match_filter(user), pk=question.pk).exists()


def can_record_return(user: User | AnonymousUser, episode: MissingEpisode) -> bool:
    """Record the return on an episode: whoever may record its notification."""
    return can_record_notification(
        user, police_force_id=episode.police_force_id, responsible_la_id=episode.responsible_la_id
    )


def can_reclassify_episode(user: User | AnonymousUser, episode: MissingEpisode) -> bool:
    """Record that the police reclassified an episode or re-graded its risk, on the episode's page
    (docs/episode-changes.md): whoever may record its notification, as a notification sent again would."""
    return can_record_notification(
        user, police_force_id=episode.police_force_id, responsible_la_id=episode.responsible_la_id
    )


def care_client_authority_ids(user: User | AnonymousUser) -> set[int]:
    """The council whose periods of care the user records as an API client (docs/api.md, "Periods of care"): a
    council's own client, approved (with a team manager's approval: access.api_clients.api_client_approval_roles)
    and given ``care:write``. No role comes with it, so it sees neither the child's details nor an RHI."""
    if not isinstance(user, User) or not user.is_active:
        return set()
    client = getattr(user, "api_client", None)
    if client is None or not api_client_care_writer(client) or not api_client_may_act(client):
        return set()
    return {client.organisation_id}


def care_authority_ids(user: User | AnonymousUser) -> set[int]:
    """The LAs whose children's periods of care the user may record, end, correct or delete: those whose own RHI
    workers or team managers they are (not a provider's: care is the council's legal record), and, for a
    council's care-writing API client, its council (``care_client_authority_ids``). The one rule of the web
    form, the API and the upload (docs/import-care-periods.md: it offers these and its job refuses others)."""
    return set(
        Organisation.objects.filter(
            pk__in=casework_organisation_ids(user), kind=OrganisationKind.LOCAL_AUTHORITY
        ).values_list("pk", flat=True)
    ) | care_client_authority_ids(user)


def can_record_care(user: User | AnonymousUser, child: Child) -> bool:
    """Record, end, correct or delete this child's periods of care: ``care_authority_ids`` without its query (a
    child's responsible LA is always an LA)."""
    return child.responsible_la_id in casework_organisation_ids(user) | care_client_authority_ids(user)


def care_period_children(user: User | AnonymousUser) -> QuerySet[Child]:
    """Children whose periods of care the user may read: those they see (``visible_children``), and those whose
    care they record (a care-writing client reads its council's periods for their ETags, and nothing else)."""
    condition = visible_children_filter(user)
    clients = care_client_authority_ids(user)
    if clients:
        condition |= Q(responsible_la_id__in=clients)
    return Child.objects.filter(condition)


def placement_visibility_filter(user: User | AnonymousUser) -> Q:
    """Placements (as a filter on Placement) of children the user's LA is responsible for, or hosted in it."""
    authorities = placement_authority_ids(user)
    if not authorities:
        return Q(pk__in=[])
    return Q(child__responsible_la_id__in=authorities) | Q(host_la_id__in=authorities)


def can_correct_facts(user: User | AnonymousUser, record: Child | MissingEpisode) -> bool:
    """Correct an episode's times (last seen, police notification, return) or a child's date of birth on the
    web (docs/corrections.md): RHI workers and team managers of the responsible LA and of the provider that
    records its police notifications (``intake_authority_ids``: the organisations that record them). A police
    force corrects its own notification by sending it again."""
    return record.responsible_la_id in intake_authority_ids(user)
