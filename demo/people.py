"""Fixed vocabularies for the demo: names, nicknames, places and the short texts workers write.

Names are common UK first and last names, combined at random: nobody real is described. Places are public
landmarks (stations, parks, fast-food restaurants); the people the children were with are nicknames only.
Phone numbers come from Ofcom's ranges reserved for drama, so none can ring a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Oliver", "Harry", "Jack", "Jacob", "Charlie", "Thomas", "George", "Oscar", "James", "William",
    "Noah", "Alfie", "Joshua", "Muhammad", "Leo", "Archie", "Ethan", "Joseph", "Freddie", "Samuel",
    "Alexander", "Logan", "Daniel", "Isaac", "Max", "Mohammed", "Benjamin", "Mason", "Lucas", "Adam",
    "Kai", "Tyler", "Callum", "Liam", "Ryan", "Connor", "Jayden", "Kyle", "Reece", "Bradley",
    "Ibrahim", "Yusuf", "Tyrese", "Dylan", "Jordan", "Nathan", "Kieran", "Lewis", "Aaron", "Ali",
)  # fmt: skip
FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Amelia", "Emily", "Isla", "Ava", "Jessica", "Isabella", "Lily", "Ella", "Mia",
    "Sophie", "Chloe", "Grace", "Ruby", "Evie", "Poppy", "Sophia", "Freya", "Charlotte", "Daisy",
    "Holly", "Megan", "Lauren", "Leah", "Amber", "Courtney", "Paige", "Shannon", "Jade", "Kayla",
    "Aaliyah", "Maryam", "Zara", "Aisha", "Hannah", "Abigail", "Caitlin", "Niamh", "Tia", "Keira",
    "Millie", "Summer", "Libby", "Erin", "Molly", "Maisie", "Demi", "Hollie", "Nia", "Amira",
)  # fmt: skip
NEUTRAL_FIRST_NAMES: tuple[str, ...] = (
    "Alex",
    "Charlie",
    "Sam",
    "Jordan",
    "Riley",
    "Jamie",
    "Morgan",
    "Robin",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
    "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
    "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Ali", "Hussain", "Ahmed", "Rahman", "Kaur", "Mahmood", "Campbell", "Stewart", "Francis",
    "Grant", "Mensah", "Okafor", "Nowak", "Kowalski", "Osei", "Brennan", "Doyle", "Fletcher", "Hayes",
)  # fmt: skip
KNOWN_AS: dict[str, str] = {
    "Alexander": "Alex", "Benjamin": "Ben", "Daniel": "Dan", "Joshua": "Josh", "Samuel": "Sam",
    "Thomas": "Tom", "William": "Will", "Joseph": "Joe", "Nathan": "Nate", "Callum": "Cal",
    "Jessica": "Jess", "Charlotte": "Lottie", "Abigail": "Abbie", "Isabella": "Bella", "Olivia": "Liv",
    "Sophia": "Sophie", "Courtney": "Court", "Hollie": "Hols", "Kieran": "Kez", "Mohammed": "Mo",
}  # fmt: skip

SOCIAL_WORK_TEAMS: tuple[str, ...] = (
    "Children in Care Team 1",
    "Children in Care Team 2",
    "Adolescent Support Team",
    "Locality Team North",
    "Locality Team South",
    "Children with Disabilities Team",
    "Leaving Care Team",
)
CHILDRENS_HOMES: tuple[str, ...] = (
    "Oakfield House",
    "Beech Lodge",
    "The Willows",
    "Meadow View",
    "Hawthorn Close",
    "Riverside House",
    "Elm Court",
    "Ashgrove",
)
NICKNAMES: tuple[str, ...] = (
    "Tiny", "Deano", "Smiley", "J-Boy", "Lil T", "Bigs", "Mo", "Kez", "Rocco", "Ghost",
    "Blue", "Ace", "Red", "Chops", "Boogie", "Skinny", "Sparks", "Dex", "Flash", "Yankee",
    "Shorty", "Kane", "Biscuit", "Ozzy",
)  # fmt: skip
ASSOCIATE_RELATIONSHIPS: tuple[str, ...] = (
    "friend",
    "older friend",
    "boyfriend",
    "girlfriend",
    "someone met online",
    "cousin",
    "older male",
    "group of older teenagers",
)
VEHICLES: tuple[str, ...] = ("Black Audi A3", "Silver Ford Focus", "White van", "Grey BMW 1 Series", "Moped")


@dataclass(frozen=True)
class Place:
    description: str
    place_type: str
    town: str
    postcode: str = ""
    latitude: str | None = None  # strings, so the DecimalField gets exactly these digits
    longitude: str | None = None


# Landmarks in and around the demo authorities (public places only).
DEMO_PLACES: dict[str, tuple[Place, ...]] = {
    "330": (
        Place("McDonald's, Bull Street", "shop_or_food", "Birmingham", "B4", "52.48130", "-1.89510"),
        Place("Birmingham New Street station", "transport", "Birmingham", "B2", "52.47780", "-1.89900"),
        Place("Bullring shopping centre", "town_centre", "Birmingham", "B5", "52.47710", "-1.89370"),
        Place("Digbeth Coach Station", "transport", "Birmingham", "B5", "52.47460", "-1.88530"),
        Place("Cannon Hill Park", "park", "Birmingham", "B13", "52.45280", "-1.90030"),
        Place("Friend's flat, Ladywood", "address", "Birmingham", "B16"),
        Place("Hotel near Five Ways", "hotel", "Birmingham", "B15"),
    ),
    "333": (
        Place("West Bromwich bus station", "transport", "West Bromwich", "B70", "52.51850", "-1.99300"),
        Place("Sandwell Valley Country Park", "park", "West Bromwich", "B71", "52.53000", "-1.95800"),
        Place("Chicken shop, Oldbury town centre", "shop_or_food", "Oldbury", "B69"),
        Place("Smethwick Galton Bridge station", "transport", "Smethwick", "B66", "52.50360", "-1.97960"),
    ),
    "335": (
        Place("Walsall bus station", "transport", "Walsall", "WS1", "52.58530", "-1.98220"),
        Place("Walsall Arboretum", "park", "Walsall", "WS1", "52.59130", "-1.97250"),
        Place("Saddlers Shopping Centre", "town_centre", "Walsall", "WS1"),
        Place("Friend's house, Bloxwich", "address", "Bloxwich", "WS3"),
    ),
    "860": (
        Place("Stafford railway station", "transport", "Stafford", "ST16", "52.80400", "-2.12200"),
        Place("Tamworth Castle Grounds", "park", "Tamworth", "B79", "52.63300", "-1.69600"),
        Place("Cannock bus station", "transport", "Cannock", "WS11"),
    ),
    "681": (
        Place("Cardiff Central station", "transport", "Cardiff", "CF10", "51.47600", "-3.17900"),
        Place("Queen Street, Cardiff", "town_centre", "Cardiff", "CF10", "51.48170", "-3.17450"),
        Place("Bute Park", "park", "Cardiff", "CF10", "51.48800", "-3.18600"),
        Place("McDonald's, Queen Street", "shop_or_food", "Cardiff", "CF10"),
    ),
}
# For every other authority: the same shapes, with the authority's name as the town.
GENERIC_PLACES: tuple[tuple[str, str], ...] = (
    ("{town} bus station", "transport"),
    ("{town} railway station", "transport"),
    ("McDonald's, {town} town centre", "shop_or_food"),
    ("{town} town centre", "town_centre"),
    ("Park near {town} centre", "park"),
    ("Friend's house (address given to police)", "address"),
    ("Budget hotel, {town}", "hotel"),
)
POSTCODE_DISTRICTS: dict[str, tuple[str, ...]] = {
    "330": ("B6", "B8", "B10", "B11", "B20", "B23", "B29", "B33", "B36", "B44"),
    "333": ("B66", "B67", "B68", "B69", "B70", "B71"),
    "335": ("WS1", "WS2", "WS3", "WS5", "WS8", "WS9"),
    "860": ("ST16", "ST17", "WS11", "WS12", "B77", "B79", "DE14"),
    "681": ("CF3", "CF5", "CF11", "CF14", "CF23", "CF24"),
}
PHONE_PREFIXES: dict[str, str] = {"330": "0121 496 0", "333": "0121 496 0", "335": "0121 496 0"}
GENERIC_PHONE_PREFIX = "01632 960"

PUSH_FACTORS: tuple[str, ...] = (
    "conflict_at_home", "boundaries", "placement_unhappy", "bullying", "school_problems",
    "bereavement", "domestic_abuse", "mental_health",
)  # fmt: skip
PULL_FACTORS: tuple[str, ...] = (
    "friends", "boyfriend_girlfriend", "family", "exploitation", "substances", "parties", "online_contact",
)  # fmt: skip
REASONS_TEXT: tuple[str, ...] = (
    "Argument at home about coming in on time.",
    "Wanted to see friends and lost track of time.",
    "Unhappy in placement and misses family.",
    "Went to see a boyfriend or girlfriend.",
    "Older friends asked them to go to a party.",
    "Stayed out after falling out with carers.",
)
WHO_WITH: tuple[str, ...] = (
    "With friends from school.",
    "With older people they met recently.",
    "On their own.",
    "With a cousin.",
    "With a group of young people from the area.",
)
TRAVEL_METHODS: tuple[str, ...] = (
    "Bus",
    "Train",
    "On foot",
    "Taxi paid for by someone else",
    "Lift from an older friend",
)
CHILD_WORDS: tuple[str, ...] = (
    "I just needed some space.",
    "I didn't think anyone would notice.",
    "I was with my mates, I was safe.",
    "I don't want to say who I was with.",
    "I want to go home to my mum.",
    "Staff keep winding me up.",
)
WISHES: tuple[str, ...] = (
    "Wants more contact with family.",
    "Wants to move placement.",
    "Wants to stay where they are.",
    "Would like help with school.",
    "Wants staff to listen more.",
)
SAFETY_ADVICE: tuple[str, ...] = (
    "Talked about keeping their phone charged and who to call; gave the Runaway Helpline number (116 000).",
    "Agreed a safety plan for evenings out and a trusted adult to contact.",
    "Talked about online safety and people asking them to carry things.",
)
ASSESSMENTS: tuple[str, ...] = (
    "Low ongoing risk; the push factors are at home and the family will accept support.",
    "Medium risk: pattern of repeat episodes with the same peer group.",
    "High risk: indicators of exploitation; information shared with the police.",
    "Risk reducing since the last episode; the child engaged well.",
)
RECOMMENDATIONS: tuple[str, ...] = (
    "Family support through early help.",
    "Review the placement plan with the social worker.",
    "Refer to the exploitation team for assessment.",
    "Offer 1:1 support sessions.",
    "No further action beyond safety advice.",
)
HARM_DETAILS: tuple[str, ...] = (
    "Was pushed around by an older boy.",
    "Was given alcohol by adults.",
    "Lost their phone and was threatened about a debt.",
)
HEALTH_NEEDS: tuple[str, ...] = ("Tired and hungry; given food.", "Minor cut to hand, treated at home.")
DECLINE_TEXTS: dict[str, str] = {
    "not_wanted": "Said they were fine and did not want to talk about it.",
    "already_spoke": "Had already talked it through with their key worker.",
    "too_many_professionals": "Said too many people already ask them questions.",
    "no_trust": "Does not trust services after past experiences.",
    "parent_refused": "Parent said the family would deal with it themselves.",
    "fear_of_consequences": "Worried about getting friends into trouble.",
    "short_episode": "Felt they were only out for a short time.",
    "other": "Declined without giving a reason.",
}
NOT_OFFERED_TEXTS: dict[str, str] = {
    "over_18": "Turned 18 before an interview could be offered.",
    "moved_away": "Moved to live with family in another area.",
    "in_custody": "Remanded before contact could be made.",
    "hospital": "Admitted to hospital; offer to follow on discharge.",
    "notification_too_late": "The police notification arrived too late to arrange an offer.",
    "missing_again": "Went missing again before an offer could be made.",
    "other": "Social worker advised against contact at this time.",
}
REVIEW_COMMENTS: tuple[str, ...] = (
    "Please add the child's own words and the safety advice given.",
    "Recommendations need to say who will do what.",
    "Check the locations section: the times are missing.",
)
FLAG_REASONS: dict[str, str] = {
    "cse": "Concerns about older adults contacting the child online and meeting them.",
    "cce": "Found in another town with cash and two phones; county lines concerns.",
    "trafficking": "National Referral Mechanism referral made.",
    "gang": "Association with a local gang identified by the police.",
    "self_harm": "History of self-harm, especially after episodes.",
    "high_risk_missing": "Frequent episodes; agreed as high-risk missing at the strategy meeting.",
    "substance_misuse": "Regular cannabis use; episodes linked to using.",
    "radicalisation": "Prevent referral made after concerning online activity.",
    "other": "See the safety plan on file.",
}
REFERRAL_REASONS: dict[str, str] = {
    "social_care": "Safeguarding concerns raised during the interview.",
    "early_help": "Family asked for support with boundaries at home.",
    "camhs": "Low mood and self-harm discussed.",
    "substance_misuse": "Regular cannabis use disclosed.",
    "exploitation_team": "Indicators of criminal or sexual exploitation.",
    "youth_service": "Wants positive activities in the evenings.",
    "sexual_health": "Sexual health advice requested.",
    "school": "Not attending school regularly.",
    "housing": "Family facing eviction.",
    "police_intelligence": "Information about adults involved with the child.",
    "provider_support": "Agreed to 1:1 sessions with the worker.",
    "voluntary_sector": "Referral to a local young people's project.",
}
OVERRIDE_JUSTIFICATIONS: tuple[str, ...] = (
    "Risk of significant harm from exploitation; sharing is necessary and proportionate to protect the child.",
    "Information about adults who pose a risk to other children; shared under the safeguarding duty.",
)
