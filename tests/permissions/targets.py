"""How each route's URL is built per relation (targets) and what a 200 must (not) show at its level (markers)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix_world import ASSOCIATE, INTELLIGENCE_HEADING, NOTIFICATION_HEADING, WORDS, World
from tests.permissions.matrix import Target


def none(world: World) -> tuple[dict[str, Any], str]:
    return {}, ""


NO_RECORD: dict[str, Target] = {"none": none}


def rhi_target(key: str, **extra: Any) -> Target:
    return lambda w: ({"pk": w.rhis[key].pk, **extra}, "")


RHI: dict[str, Target] = {
    "own": rhi_target("home"),
    "placed_in": rhi_target("placed"),
    "drafting": rhi_target("draft"),
    "intake": rhi_target("intake"),
    "unrelated": rhi_target("q"),
}
REPORTS: dict[str, Target] = {
    "own": rhi_target("home", kind="full_report"),
    "own_letter": rhi_target("home", kind="notification_letter"),
    "placed_in": rhi_target("placed", kind="full_report"),
    "placed_in_letter": rhi_target("placed", kind="notification_letter"),
    "drafting": rhi_target("draft", kind="full_report"),
    "unrelated": rhi_target("q", kind="full_report"),
}


def disclosure_target(key: str) -> Target:
    return lambda w: ({"pk": w.disclosures[key].pk}, "")


DISCLOSURES: dict[str, Target] = {
    "shared_with_police": disclosure_target("police_intel"),
    "shared_with_placing": disclosure_target("placing_note"),
    "placed_in_full_report": disclosure_target("placing_full"),
    "unrelated": disclosure_target("q_intel"),
}


def referral_target(key: str) -> Target:
    return lambda w: ({"referral_id": w.referrals[key].pk}, "")


REFERRALS: dict[str, Target] = {
    "own": referral_target("home"),
    "placed_in": referral_target("placed"),
    "unrelated": referral_target("q"),
}


def record_target(kind: str, key: str) -> Target:
    return lambda w: ({"pk": getattr(w, kind)[key].pk}, "")


EPISODE_KEYS = {
    "own": "home",
    "own_open": "home_open",
    "placed_in": "placed",
    "placed_in_open": "placed_open",
    "unrelated": "q",
}
# Returned episodes, and episodes of children missing now (own_open, placed_in_open).
EPISODES: dict[str, Target] = {
    relation: record_target("episodes", key) for relation, key in EPISODE_KEYS.items()
}
CHILDREN: dict[str, Target] = {
    "own": record_target("children", "home"),
    "placed_in": record_target("children", "placed"),
    "unrelated": record_target("children", "q"),
}
PLACEMENTS: dict[str, Target] = {
    "in_area": record_target("placements", "home"),
    "placed_in": record_target("placements", "placed"),
    "unrelated": record_target("placements", "q"),
}
AUTHORITIES: dict[str, Target] = {
    "own": lambda w: ({"authority_id": w.home.pk}, ""),
    "placing": lambda w: ({"authority_id": w.placing.pk}, ""),
    "unrelated": lambda w: ({"authority_id": w.other.pk}, ""),
}
API_CLIENTS: dict[str, Target] = {
    "own": record_target("api_clients", "own"),
    "unrelated": record_target("api_clients", "unrelated"),
}
# Clients waiting for approval: P's (acts as team manager) and F's (police) issued by their org admins alone,
# Home's (partner viewer; Home has no partner viewer among the users), one already approved (P's, by the
# manager) and Other's (partner viewer of Other: partner_viewer_other's to approve).
API_CLIENT_DECISIONS: dict[str, Target] = {
    "pending_provider": record_target("api_clients", "token_pending_manager"),
    "pending_force": record_target("api_clients", "token_pending_police"),
    "pending_council": record_target("api_clients", "own"),
    "approved": record_target("api_clients", "token_manager"),
    "unrelated": record_target("api_clients", "unrelated"),
}
WEBHOOKS: dict[str, Target] = {
    "own": record_target("webhooks", "own"),
    "unrelated": record_target("webhooks", "unrelated"),
}
EXPORTS: dict[str, Target] = {
    "own": record_target("export_jobs", "own"),
    "unrelated": record_target("export_jobs", "unrelated"),
}


def performance_targets(**kwargs: Any) -> dict[str, Target]:
    """The user's own LA (the page's default) and another LA asked for by id in the query string."""
    return {"own": lambda w: (dict(kwargs), ""), "unrelated": lambda w: (dict(kwargs), f"la={w.other.pk}")}


API_NOT_FOUND: dict[str, Target] = {"none": lambda w: ({"__path__": "/api/v1/no-such-endpoint/"}, "")}


def rhi_targets(in_progress: str) -> dict[str, Target]:
    """An RHI route's relations: P's approved RHIs of Home's child and of the child placed in Home's area,
    P's RHI in the state the route acts on (``in_progress``: "draft", "submitted", "allocated" or
    "intake"), and Q's approved RHI (unrelated)."""
    return {
        "own": rhi_target("home"),
        "placed_in": rhi_target("placed"),
        "in_progress": rhi_target(in_progress),
        "unrelated": rhi_target("q"),
    }


RHI_KEYS = {"own": "home", "placed_in": "placed", "unrelated": "q"}
ALL_WORDS = list(WORDS.values())


def no_case_narrative(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """Pages that are not the case (lists, figures, audit trails): no child's own words at all."""
    return [], ALL_WORDS


def rhi_page_at_full_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """The RHI page is casework: the child's own words of that RHI, and nobody else's."""
    key = RHI_KEYS.get(relation, "draft")
    return [WORDS[key]], [words for k, words in WORDS.items() if k != key]


def disclosure_at_its_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """A disclosure shows exactly its level, whoever opens it."""
    return {
        "shared_with_police": (
            [INTELLIGENCE_HEADING, ASSOCIATE["home"]],
            [WORDS["home"], *ALL_WORDS],
        ),
        "shared_with_placing": ([NOTIFICATION_HEADING], [ASSOCIATE["home"], *ALL_WORDS]),
        "placed_in_full_report": ([WORDS["placed"]], [WORDS["home"], WORDS["q"]]),
        "unrelated": ([INTELLIGENCE_HEADING, ASSOCIATE["q"]], ALL_WORDS),
    }[relation]


def child_page(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    key = RHI_KEYS[relation]
    others = [c.la_child_id for k, c in world.children.items() if k != key]
    return [world.children[key].la_child_id], others


def episode_page(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    key = EPISODE_KEYS[relation]
    return [world.episodes[key].police_reference], ALL_WORDS


P_USERS = {"worker", "manager"}
Q_USERS = {"worker_other", "manager_other"}


def dashboard_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """RHIs on the clock only: P's allocated RHI for P's casework, none of Q's (all closed), never the other's."""
    draft = f"RHI-{world.rhis['allocated'].pk}<"
    if user in P_USERS:
        return [draft], [f"RHI-{world.rhis['q'].pk}<", *ALL_WORDS]
    return [], [draft, *ALL_WORDS]


def shared_list_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    def link(key: str) -> str:
        return reverse("sharing:detail", args=[world.disclosures[key].pk]) + '"'

    seen = {
        "police": ["police_intel"],
        "partner_viewer": ["placing_note", "placing_full"],
        "police_other": ["q_intel"],
    }.get(user, [])
    return [link(k) for k in seen], [link(k) for k in world.disclosures if k not in seen] + ALL_WORDS


def police_list_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """Force F covers every episode of P's world; force G Q's only."""
    mine = [k for k in world.episodes if (k == "q") == (user == "police_other")]
    return (
        [world.episodes[k].police_reference for k in mine],
        [e.police_reference for k, e in world.episodes.items() if k not in mine] + ALL_WORDS,
    )


def unnotified_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    placed = f"LA child ID {world.children['placed'].la_child_id}"
    if user in {"performance_lead", "partner_viewer"}:  # Home hosts the placement, Placing made it
        return [placed], ALL_WORDS
    return [], [placed, *ALL_WORDS]


def own_authority_figures(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    mine, theirs = (world.home, world.other) if user == "performance_lead" else (world.other, world.home)
    return [mine.name], [theirs.name, *ALL_WORDS]


# --- Web imports: only the person who uploaded the file sees its job and its problems -------------------
def import_job_target(key: str) -> Target:
    return lambda w: ({"pk": w.extra["import_jobs"][key].pk}, "")


IMPORT_JOBS: dict[str, Target] = {key: import_job_target(key) for key in ("own", "unrelated")}


# --- The REST API (/api/v1/): the same policy; anonymous callers get 401, never a redirect ----------------
def api_child_search(key: str) -> Target:
    return lambda w: ({}, f"la_child_id={w.children[key].la_child_id}")


API_CHILD_SEARCH: dict[str, Target] = {"own": api_child_search("home"), "unrelated": api_child_search("q")}
API_CHILD_SEARCH_POST: dict[str, Target] = {"own": lambda w: ({}, ""), "unrelated": lambda w: ({}, "")}


def api_child_search_body(world: World, relation: str) -> dict[str, Any]:
    """A name search travels in the body (never the URL): the relation's child by surname and date of birth."""
    child = world.children["home" if relation == "own" else "q"]
    return {"last_name": child.last_name, "date_of_birth": child.date_of_birth.isoformat()}


def api_child_results(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """A search finds the child only for those who see the child in full."""
    key = RHI_KEYS[relation]
    name = world.children[key].last_name
    sees = (key == "home" and user in P_USERS) or (key == "q" and user in Q_USERS)
    return ([name], ALL_WORDS) if sees else ([], [name, *ALL_WORDS])


def api_episode_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """Casework sees its LAs' and RHIs' episodes; a coordinator those reported to their force; nobody else any."""
    refs = {key: episode.police_reference for key, episode in world.episodes.items()}
    seen = {
        "worker": {"home", "home_open", "placed", "placed_open", "draft"},
        "manager": {"home", "home_open", "placed", "placed_open", "draft"},
        "police": {"home", "home_open", "placed", "placed_open", "draft"},
        "worker_other": {"q"},
        "manager_other": {"q"},
        "police_other": {"q"},
    }.get(user, set())
    return [refs[k] for k in sorted(seen)], [refs[k] for k in refs if k not in seen] + ALL_WORDS


# The level each 200 of an RHI is answered at, through the API.
API_RHI_LEVELS = {
    ("worker", "own"): "full",
    ("worker", "placed_in"): "full",
    ("worker", "in_progress"): "full",
    ("manager", "own"): "full",
    ("manager", "placed_in"): "full",
    ("manager", "in_progress"): "full",
    ("police", "own"): "intelligence_summary",
    ("partner_viewer", "own"): "notification",
    ("partner_viewer", "placed_in"): "full",
    ("worker_other", "unrelated"): "full",
    ("manager_other", "unrelated"): "full",
    ("police_other", "unrelated"): "intelligence_summary",
}


def api_rhi_at_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    key = RHI_KEYS.get(relation, "draft")
    level = API_RHI_LEVELS[(user, relation)]
    others = [words for k, words in WORDS.items() if k != key]
    if level == "full":
        return [f'"level":"{level}"', WORDS[key]], others
    if level == "intelligence_summary":
        return [f'"level":"{level}"', ASSOCIATE[key]], ALL_WORDS
    return [f'"level":"{level}"'], [ASSOCIATE.get(key, "-"), *ALL_WORDS]


def api_disclosure_at_its_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    return {
        "shared_with_police": ([ASSOCIATE["home"]], ALL_WORDS),
        "shared_with_placing": ([], [ASSOCIATE["home"], *ALL_WORDS]),
        # The API's disclosure holds the facts up to the intelligence level; the full narrative of a full
        # report is read as the RHI itself (api:rhi-detail at the full level).
        "placed_in_full_report": ([ASSOCIATE["placed"]], [WORDS["home"], WORDS["q"]]),
        "unrelated": ([ASSOCIATE["q"]], ALL_WORDS),
    }[relation]


def api_return_request(world: World, relation: str) -> dict[str, Any]:
    authority = world.home if relation == "own" else world.other
    return {
        "return_kind": "ssda903-missing",
        "local_authority": authority.code,
        "date_from": "2025-04-01",
        "date_to": "2026-03-31",
        "format": "csv",
    }


API_RETURN_FOR: dict[str, Target] = {"own": none, "unrelated": none}
