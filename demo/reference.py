"""Organisation reference data for the demo: real DfE LA codes, real ONS police force area codes.

Everything here is public reference data (codes and official names) or fictional (the charities). Keeping it
in one module means docs/demo-data.md, the tests and the seeder all read the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------------------
# Police forces: the 43 territorial forces of England and Wales with their ONS police force area codes.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoliceForceRef:
    code: str  # ONS police force area code
    name: str
    prefix: str  # used in demo police references, e.g. "WM-2025-0012345"


POLICE_FORCES: tuple[PoliceForceRef, ...] = (
    PoliceForceRef("E23000001", "Metropolitan Police Service", "MPS"),
    PoliceForceRef("E23000002", "Cumbria Constabulary", "CUM"),
    PoliceForceRef("E23000003", "Lancashire Constabulary", "LAN"),
    PoliceForceRef("E23000004", "Merseyside Police", "MER"),
    PoliceForceRef("E23000005", "Greater Manchester Police", "GMP"),
    PoliceForceRef("E23000006", "Cheshire Constabulary", "CHE"),
    PoliceForceRef("E23000007", "Northumbria Police", "NBR"),
    PoliceForceRef("E23000008", "Durham Constabulary", "DUR"),
    PoliceForceRef("E23000009", "North Yorkshire Police", "NYP"),
    PoliceForceRef("E23000010", "West Yorkshire Police", "WYP"),
    PoliceForceRef("E23000011", "South Yorkshire Police", "SYP"),
    PoliceForceRef("E23000012", "Humberside Police", "HUM"),
    PoliceForceRef("E23000013", "Cleveland Police", "CLE"),
    PoliceForceRef("E23000014", "West Midlands Police", "WM"),
    PoliceForceRef("E23000015", "Staffordshire Police", "STA"),
    PoliceForceRef("E23000016", "West Mercia Police", "WMC"),
    PoliceForceRef("E23000017", "Warwickshire Police", "WAR"),
    PoliceForceRef("E23000018", "Derbyshire Constabulary", "DER"),
    PoliceForceRef("E23000019", "Nottinghamshire Police", "NOT"),
    PoliceForceRef("E23000020", "Lincolnshire Police", "LIN"),
    PoliceForceRef("E23000021", "Leicestershire Police", "LEI"),
    PoliceForceRef("E23000022", "Northamptonshire Police", "NTH"),
    PoliceForceRef("E23000023", "Cambridgeshire Constabulary", "CAM"),
    PoliceForceRef("E23000024", "Norfolk Constabulary", "NFK"),
    PoliceForceRef("E23000025", "Suffolk Constabulary", "SUF"),
    PoliceForceRef("E23000026", "Bedfordshire Police", "BED"),
    PoliceForceRef("E23000027", "Hertfordshire Constabulary", "HER"),
    PoliceForceRef("E23000028", "Essex Police", "ESX"),
    PoliceForceRef("E23000029", "Thames Valley Police", "TVP"),
    PoliceForceRef("E23000030", "Hampshire and Isle of Wight Constabulary", "HAM"),
    PoliceForceRef("E23000031", "Surrey Police", "SUR"),
    PoliceForceRef("E23000032", "Kent Police", "KNT"),
    PoliceForceRef("E23000033", "Sussex Police", "SUS"),
    PoliceForceRef("E23000034", "City of London Police", "COL"),
    PoliceForceRef("E23000035", "Devon and Cornwall Police", "DC"),
    PoliceForceRef("E23000036", "Avon and Somerset Police", "AS"),
    PoliceForceRef("E23000037", "Gloucestershire Constabulary", "GLO"),
    PoliceForceRef("E23000038", "Wiltshire Police", "WIL"),
    PoliceForceRef("E23000039", "Dorset Police", "DOR"),
    PoliceForceRef("W15000001", "North Wales Police", "NWP"),
    PoliceForceRef("W15000002", "Gwent Police", "GWE"),
    PoliceForceRef("W15000003", "South Wales Police", "SWP"),
    PoliceForceRef("W15000004", "Dyfed-Powys Police", "DPP"),
)
FORCES_BY_CODE: dict[str, PoliceForceRef] = {force.code: force for force in POLICE_FORCES}

# ---------------------------------------------------------------------------------------------------------
# Local authorities: DfE three-digit LA codes, region, the police force area they sit in, and a size weight
# (roughly proportional to the number of missing episodes a council of that size records).
# ---------------------------------------------------------------------------------------------------------

LONDON = "London"
WEST_MIDLANDS = "West Midlands"
NORTH_WEST = "North West"
NORTH_EAST = "North East"
YORKSHIRE = "Yorkshire and the Humber"
EAST_MIDLANDS = "East Midlands"
EAST = "East of England"
SOUTH_EAST = "South East"
SOUTH_WEST = "South West"
WALES = "Wales"


@dataclass(frozen=True)
class LocalAuthorityRef:
    code: str  # DfE three-digit LA code
    name: str
    region: str
    force_code: str
    weight: float
    nation: str = "ENG"


def _las(region: str, force_code: str, *rows: tuple[str, str, float]) -> list[LocalAuthorityRef]:
    return [LocalAuthorityRef(code, name, region, force_code, weight) for code, name, weight in rows]


LOCAL_AUTHORITIES: tuple[LocalAuthorityRef, ...] = tuple(
    _las(LONDON, "E23000034", ("201", "City of London", 0.2))
    + _las(
        LONDON,
        "E23000001",
        ("202", "Camden", 2),
        ("203", "Greenwich", 3),
        ("204", "Hackney", 3),
        ("205", "Hammersmith and Fulham", 2),
        ("206", "Islington", 2),
        ("207", "Kensington and Chelsea", 1),
        ("208", "Lambeth", 3),
        ("209", "Lewisham", 3),
        ("210", "Southwark", 3),
        ("211", "Tower Hamlets", 3),
        ("212", "Wandsworth", 2),
        ("213", "Westminster", 2),
        ("301", "Barking and Dagenham", 3),
        ("302", "Barnet", 3),
        ("303", "Bexley", 2),
        ("304", "Brent", 3),
        ("305", "Bromley", 3),
        ("306", "Croydon", 4),
        ("307", "Ealing", 3),
        ("308", "Enfield", 3),
        ("309", "Haringey", 3),
        ("310", "Harrow", 2),
        ("311", "Havering", 2),
        ("312", "Hillingdon", 3),
        ("313", "Hounslow", 2),
        ("314", "Kingston upon Thames", 1),
        ("315", "Merton", 2),
        ("316", "Newham", 3),
        ("317", "Redbridge", 2),
        ("318", "Richmond upon Thames", 1),
        ("319", "Sutton", 2),
        ("320", "Waltham Forest", 3),
    )
    + _las(
        WEST_MIDLANDS,
        "E23000014",
        ("330", "Birmingham", 10),
        ("331", "Coventry", 4),
        ("332", "Dudley", 3),
        ("333", "Sandwell", 4),
        ("334", "Solihull", 2),
        ("335", "Walsall", 3),
        ("336", "Wolverhampton", 3),
    )
    + _las(
        NORTH_WEST,
        "E23000004",
        ("340", "Knowsley", 2),
        ("341", "Liverpool", 5),
        ("342", "St Helens", 2),
        ("343", "Sefton", 3),
        ("344", "Wirral", 3),
    )
    + _las(
        NORTH_WEST,
        "E23000005",
        ("350", "Bolton", 3),
        ("351", "Bury", 2),
        ("352", "Manchester", 6),
        ("353", "Oldham", 3),
        ("354", "Rochdale", 3),
        ("355", "Salford", 3),
        ("356", "Stockport", 2),
        ("357", "Tameside", 3),
        ("358", "Trafford", 2),
        ("359", "Wigan", 3),
    )
    + _las(
        YORKSHIRE,
        "E23000011",
        ("370", "Barnsley", 2),
        ("371", "Doncaster", 3),
        ("372", "Rotherham", 3),
        ("373", "Sheffield", 5),
    )
    + _las(
        YORKSHIRE,
        "E23000010",
        ("380", "Bradford", 5),
        ("381", "Calderdale", 2),
        ("382", "Kirklees", 4),
        ("383", "Leeds", 6),
        ("384", "Wakefield", 3),
    )
    + _las(
        NORTH_EAST,
        "E23000007",
        ("390", "Gateshead", 2),
        ("391", "Newcastle upon Tyne", 3),
        ("392", "North Tyneside", 2),
        ("393", "South Tyneside", 2),
        ("394", "Sunderland", 3),
        ("929", "Northumberland", 2),
    )
    + _las(
        SOUTH_WEST,
        "E23000036",
        ("800", "Bath and North East Somerset", 1),
        ("801", "Bristol", 4),
        ("802", "North Somerset", 2),
        ("803", "South Gloucestershire", 2),
        ("933", "Somerset", 4),
    )
    + _las(
        NORTH_EAST,
        "E23000013",
        ("805", "Hartlepool", 1),
        ("806", "Middlesbrough", 2),
        ("807", "Redcar and Cleveland", 2),
        ("808", "Stockton-on-Tees", 2),
    )
    + _las(
        YORKSHIRE,
        "E23000012",
        ("810", "Kingston upon Hull", 3),
        ("811", "East Riding of Yorkshire", 2),
        ("812", "North East Lincolnshire", 2),
        ("813", "North Lincolnshire", 2),
    )
    + _las(YORKSHIRE, "E23000009", ("815", "North Yorkshire", 4), ("816", "York", 1))
    + _las(EAST, "E23000026", ("821", "Luton", 2), ("822", "Bedford", 2), ("823", "Central Bedfordshire", 2))
    + _las(
        SOUTH_EAST,
        "E23000029",
        ("825", "Buckinghamshire", 3),
        ("826", "Milton Keynes", 3),
        ("867", "Bracknell Forest", 1),
        ("868", "Windsor and Maidenhead", 1),
        ("869", "West Berkshire", 1),
        ("870", "Reading", 2),
        ("871", "Slough", 2),
        ("872", "Wokingham", 1),
        ("931", "Oxfordshire", 4),
    )
    + _las(EAST_MIDLANDS, "E23000018", ("830", "Derbyshire", 5), ("831", "Derby", 3))
    + _las(SOUTH_WEST, "E23000039", ("835", "Dorset", 3))
    + _las(NORTH_EAST, "E23000008", ("840", "Durham", 4), ("841", "Darlington", 1))
    + _las(
        SOUTH_EAST,
        "E23000033",
        ("845", "East Sussex", 3),
        ("846", "Brighton and Hove", 3),
        ("938", "West Sussex", 5),
    )
    + _las(
        SOUTH_EAST,
        "E23000030",
        ("850", "Hampshire", 7),
        ("851", "Portsmouth", 2),
        ("852", "Southampton", 3),
        ("921", "Isle of Wight", 1),
    )
    + _las(
        EAST_MIDLANDS,
        "E23000021",
        ("855", "Leicestershire", 4),
        ("856", "Leicester", 3),
        ("857", "Rutland", 0.3),
    )
    + _las(WEST_MIDLANDS, "E23000015", ("860", "Staffordshire", 5), ("861", "Stoke-on-Trent", 3))
    + _las(SOUTH_WEST, "E23000038", ("865", "Wiltshire", 3), ("866", "Swindon", 2))
    + _las(EAST, "E23000023", ("873", "Cambridgeshire", 4), ("874", "Peterborough", 2))
    + _las(
        NORTH_WEST,
        "E23000006",
        ("876", "Halton", 1),
        ("877", "Warrington", 2),
        ("895", "Cheshire East", 3),
        ("896", "Cheshire West and Chester", 3),
    )
    + _las(
        SOUTH_WEST,
        "E23000035",
        ("878", "Devon", 4),
        ("879", "Plymouth", 3),
        ("880", "Torbay", 2),
        ("908", "Cornwall", 4),
    )
    + _las(EAST, "E23000028", ("881", "Essex", 8), ("882", "Southend-on-Sea", 2), ("883", "Thurrock", 2))
    + _las(
        WEST_MIDLANDS,
        "E23000016",
        ("884", "Herefordshire", 1),
        ("885", "Worcestershire", 4),
        ("893", "Shropshire", 2),
        ("894", "Telford and Wrekin", 2),
    )
    + _las(SOUTH_EAST, "E23000032", ("886", "Kent", 9), ("887", "Medway", 3))
    + _las(
        NORTH_WEST,
        "E23000003",
        ("888", "Lancashire", 7),
        ("889", "Blackburn with Darwen", 2),
        ("890", "Blackpool", 3),
    )
    + _las(EAST_MIDLANDS, "E23000019", ("891", "Nottinghamshire", 5), ("892", "Nottingham", 4))
    + _las(NORTH_WEST, "E23000002", ("909", "Cumbria", 3))
    + _las(SOUTH_WEST, "E23000037", ("916", "Gloucestershire", 4))
    + _las(EAST, "E23000027", ("919", "Hertfordshire", 6))
    + _las(EAST_MIDLANDS, "E23000020", ("925", "Lincolnshire", 4))
    + _las(EAST, "E23000024", ("926", "Norfolk", 5))
    + _las(EAST_MIDLANDS, "E23000022", ("928", "Northamptonshire", 5))
    + _las(EAST, "E23000025", ("935", "Suffolk", 4))
    + _las(SOUTH_EAST, "E23000031", ("936", "Surrey", 5))
    + _las(WEST_MIDLANDS, "E23000017", ("937", "Warwickshire", 3))
    + [LocalAuthorityRef("681", "Cardiff", WALES, "W15000003", 3, nation="WLS")]
)
LAS_BY_CODE: dict[str, LocalAuthorityRef] = {la.code: la for la in LOCAL_AUTHORITIES}

# The five authorities of the small demo (and present in every size). Order matters: it is generation order.
BIRMINGHAM, SANDWELL, WALSALL, STAFFORDSHIRE, CARDIFF = "330", "333", "335", "860", "681"
DEMO_LA_CODES: tuple[str, ...] = (BIRMINGHAM, SANDWELL, WALSALL, STAFFORDSHIRE, CARDIFF)
# The twenty of the large size: the demo five, their neighbours, and a spread of big councils elsewhere.
LARGE_LA_CODES: tuple[str, ...] = (
    *DEMO_LA_CODES,
    "331",
    "332",
    "334",
    "336",
    "861",
    "884",
    "885",
    "893",
    "894",
    "937",
    "352",
    "383",
    "886",
    "202",
    "850",
)

# ---------------------------------------------------------------------------------------------------------
# Providers (fictional charities) and who commissions whom.
# ---------------------------------------------------------------------------------------------------------

SAFE_RETURN_PARTNERSHIP = "Safe Return Partnership"
BLACK_COUNTRY_TEAM = "Black Country team"
IN_HOUSE_TEAM = "Missing Children Team"


@dataclass(frozen=True)
class ProviderRef:
    name: str
    slug: str
    regions: tuple[str, ...] = ()
    # LA codes that always commission this provider (the demo's fixed contract), whatever the size.
    fixed_las: tuple[str, ...] = ()
    # One team serving every LA the provider works for (else one team per LA, named after the LA).
    single_team: str | None = None


PROVIDERS: tuple[ProviderRef, ...] = (
    ProviderRef(
        SAFE_RETURN_PARTNERSHIP,
        "srp",
        fixed_las=(SANDWELL, WALSALL, "332", "336"),
        single_team=BLACK_COUNTRY_TEAM,
    ),
    ProviderRef(
        "Northern Lights Return Service", "northern-lights", regions=(NORTH_WEST, NORTH_EAST, YORKSHIRE)
    ),
    ProviderRef("Harbour Return Interviews", "harbour", regions=(SOUTH_EAST, SOUTH_WEST, EAST)),
    ProviderRef("Capital Missing Children Project", "capital", regions=(LONDON,)),
    ProviderRef("Midlands Way Home", "way-home", regions=(EAST_MIDLANDS, WEST_MIDLANDS)),
)
# Authorities that deliver their own RHIs whatever their code says (the demo's fixed contract).
IN_HOUSE_LAS: frozenset[str] = frozenset({BIRMINGHAM, STAFFORDSHIRE, CARDIFF})


def provider_for(la: LocalAuthorityRef) -> ProviderRef | None:
    """The charity commissioned by ``la``, or None for an in-house team. Fixed by code, not by the seed."""
    for provider in PROVIDERS:
        if la.code in provider.fixed_las:
            return provider
    if la.code in IN_HOUSE_LAS or la.nation != "ENG":
        return None
    # About half of councils commission a charity: the ECRC FOI found a mixed picture, so alternate by code.
    if int(la.code) % 2 == 0:
        return None
    for provider in PROVIDERS[1:]:
        if la.region in provider.regions:
            return provider
    return None


# ---------------------------------------------------------------------------------------------------------
# Clock policies: councils count the 72 hours differently. Fixed per LA so reports are stable across seeds.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRef:
    basis: str
    complete_unit: str
    complete_length: int
    repeat_rule: str = "separate"
    contact_unit: str = ""
    contact_length: int | None = None
    due_soon_hours: int = 24
    # Local closure days as (month, day) pairs, expanded for every year the data covers.
    closure_month_days: tuple[tuple[int, int], ...] = field(default=())


DEMO_POLICIES: dict[str, PolicyRef] = {
    BIRMINGHAM: PolicyRef("return", "hours", 72, repeat_rule="bunch_from_latest"),
    SANDWELL: PolicyRef(
        "police_notification",
        "working_days",
        3,
        closure_month_days=((12, 24), (12, 29), (12, 30), (12, 31)),
    ),
    WALSALL: PolicyRef("return", "calendar_days", 3, contact_unit="hours", contact_length=24),
    STAFFORDSHIRE: PolicyRef("police_notification", "hours", 72),
    CARDIFF: PolicyRef("return", "working_days", 3),
}
# Birmingham's policy before it moved to bunching (effective-dated; the RHIs keep the old snapshot).
BIRMINGHAM_EARLIER_POLICY = PolicyRef("return", "hours", 72, repeat_rule="separate")

POLICY_VARIANTS: tuple[PolicyRef, ...] = (
    PolicyRef("return", "hours", 72),
    PolicyRef("return", "hours", 72, repeat_rule="bunch_from_latest"),
    PolicyRef("police_notification", "working_days", 3),
    PolicyRef("return", "calendar_days", 3, contact_unit="hours", contact_length=24),
    PolicyRef("police_notification", "hours", 72, repeat_rule="bunch_from_first"),
    PolicyRef("return", "working_days", 3),
    PolicyRef("return", "hours", 72, due_soon_hours=12),
)


def policy_for(la: LocalAuthorityRef) -> PolicyRef:
    if la.code in DEMO_POLICIES:
        return DEMO_POLICIES[la.code]
    if la.nation == "WLS":  # the All Wales Protocol: three working days
        return PolicyRef("return", "working_days", 3)
    return POLICY_VARIANTS[int(la.code) % len(POLICY_VARIANTS)]


# ---------------------------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeConfig:
    name: str
    la_codes: tuple[str, ...]
    episodes: int  # target number of episodes over the period
    years: int
    # Weight overrides for this size (the small demo gives Staffordshire, mostly a placing authority, less).
    weights: dict[str, float] = field(default_factory=dict)
    all_forces: bool = False
    needs_postgresql: bool = False


SIZES: dict[str, SizeConfig] = {
    "small": SizeConfig(
        "small",
        DEMO_LA_CODES,
        1_000,
        2,
        weights={BIRMINGHAM: 9, SANDWELL: 5, WALSALL: 4, STAFFORDSHIRE: 2, CARDIFF: 3},
    ),
    "large": SizeConfig("large", LARGE_LA_CODES, 100_000, 3, needs_postgresql=True),
    "national": SizeConfig(
        "national",
        tuple(la.code for la in LOCAL_AUTHORITIES),
        1_200_000,
        5,
        all_forces=True,
        needs_postgresql=True,
    ),
}

# Where a placing authority puts its children when they are placed out of area (else: the same region).
PREFERRED_HOSTS: dict[str, tuple[str, ...]] = {STAFFORDSHIRE: (SANDWELL, WALSALL)}
# Share of looked-after children placed outside their own authority (national figure ~35–40%).
OUT_OF_AREA_RATE = 0.42
OUT_OF_AREA_RATES: dict[str, float] = {STAFFORDSHIRE: 0.65}
