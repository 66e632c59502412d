"""What a worker records about an RHI: contact attempts, the interview and its findings (risk indicators,
places, associates) and the manager's review decisions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from missing_episodes.models import validate_not_future_datetime
from rhi.models.rhi import ContactMethod, ReturnHomeInterview


class ContactWith(models.TextChoices):
    CHILD = "child", "The child"
    PARENT_CARER = "parent_carer", "Parent or carer"
    SOCIAL_WORKER = "social_worker", "Social worker"
    PLACEMENT = "placement", "Placement staff"
    OTHER = "other", "Someone else"


class ContactOutcome(models.TextChoices):
    SPOKE = "spoke", "Spoke to them"
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Left a message"
    ARRANGED = "arranged", "Arranged a meeting"
    REFUSED = "refused", "Refused contact"
    WRONG_DETAILS = "wrong_details", "Contact details wrong"


class ContactAttempt(models.Model):
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="contact_attempts")
    attempted_at = models.DateTimeField(validators=[validate_not_future_datetime])
    method = models.CharField(max_length=20, choices=ContactMethod.choices)
    contact_with = models.CharField(max_length=20, choices=ContactWith.choices)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rhi", "attempted_at"]
        indexes = [models.Index(fields=["rhi", "attempted_at"], name="contact_rhi_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} – {self.get_outcome_display()}"


class InterviewerIndependence(models.TextChoices):
    """As in the ECRC / Missing People FOI tables on who delivers return interviews."""

    INDEPENDENT_PROVIDER = "independent_provider", "Independent provider"
    LA_OTHER_TEAM = "la_other_team", "LA staff from another team"
    CHILDS_SOCIAL_WORKER = "childs_social_worker", "The child's social worker"
    OTHER_SOCIAL_WORKER_SAME_TEAM = "other_sw_same_team", "Another social worker in the same team"
    EXISTING_RELATIONSHIP = "existing_relationship", "Professional with an existing relationship"
    VOLUNTEER = "volunteer", "Volunteer"
    POLICE = "police", "Police"


class ChildChoice(models.TextChoices):
    YES = "yes", "Yes – the child's choice was met"
    NO = "no", "No – the child's choice could not be met"
    NOT_ASKED = "not_asked", "The child was not asked"
    NO_PREFERENCE = "no_preference", "The child had no preference"


class InterviewLocation(models.TextChoices):
    HOME = "home", "Family home"
    PLACEMENT = "placement", "Care placement"
    SCHOOL = "school", "School or college"
    PROVIDER_OFFICE = "provider_office", "Provider's office"
    PUBLIC_PLACE = "public_place", "Public place"
    PHONE_OR_VIDEO = "phone_or_video", "By phone or video"
    OTHER = "other", "Somewhere else"


class PushFactor(models.TextChoices):
    """Why the child left (``Interview.push_factors``): what pushed them away from home or placement (codes as in the demo data)."""

    CONFLICT_AT_HOME = "conflict_at_home", "Conflict or arguments at home"
    BOUNDARIES = "boundaries", "Rules and boundaries"
    PLACEMENT_UNHAPPY = "placement_unhappy", "Unhappy in the placement"
    BULLYING = "bullying", "Bullying"
    SCHOOL_PROBLEMS = "school_problems", "Problems at school"
    BEREAVEMENT = "bereavement", "Bereavement or loss"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    MENTAL_HEALTH = "mental_health", "Mental health"
    OTHER = "other", "Something else"


class PullFactor(models.TextChoices):
    """Why the child left (``Interview.pull_factors``): what pulled them towards people or places."""

    FRIENDS = "friends", "Friends"
    BOYFRIEND_GIRLFRIEND = "boyfriend_girlfriend", "Boyfriend or girlfriend"
    FAMILY = "family", "Family"
    EXPLOITATION = "exploitation", "Someone exploiting them"
    SUBSTANCES = "substances", "Drugs or alcohol"
    PARTIES = "parties", "Parties"
    ONLINE_CONTACT = "online_contact", "Someone met online"
    OTHER = "other", "Something else"


class Interview(models.Model):
    """The interview itself and its structured findings (one per RHI)."""

    rhi = models.OneToOneField(ReturnHomeInterview, on_delete=models.CASCADE, related_name="interview")
    held_at = models.DateTimeField(validators=[validate_not_future_datetime])
    location_type = models.CharField(max_length=20, choices=InterviewLocation.choices)
    location_detail = models.CharField(max_length=255, blank=True)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    interviewer_name = models.CharField(max_length=200, blank=True)
    interviewer_independence = models.CharField(max_length=30, choices=InterviewerIndependence.choices)
    child_choice_of_interviewer = models.CharField(max_length=20, choices=ChildChoice.choices)
    others_present = models.CharField(max_length=255, blank=True)

    # Why: push factors (away from home/placement) and pull factors (towards people or places); coded lists.
    push_factors = models.JSONField(default=list, blank=True)
    pull_factors = models.JSONField(default=list, blank=True)
    reasons_text = models.TextField(blank=True)
    where_went = models.TextField(blank=True)
    who_with = models.TextField(blank=True)
    travel_method = models.CharField(max_length=255, blank=True)
    brought_back_by = models.CharField(max_length=255, blank=True)
    harm_experienced = models.BooleanField(null=True, blank=True)
    harm_details = models.TextField(blank=True)
    fears_anyone = models.BooleanField(null=True, blank=True)
    fears_details = models.TextField(blank=True)
    health_needs = models.TextField(blank=True)
    child_words = models.TextField("The child's own words", blank=True)
    wishes_and_feelings = models.TextField(blank=True)
    safety_advice = models.TextField("Safety advice given", blank=True)
    worker_assessment = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(interviewer_name="") | Q(interviewer__isnull=False),
                name="interview_has_interviewer",
            )
        ]

    def __str__(self) -> str:
        return f"Interview for RHI {self.rhi_id}"


class RiskIndicator(models.TextChoices):
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation / county lines"
    TRAFFICKING = "trafficking", "Trafficking"
    GANGS = "gangs", "Gangs"
    FORCED_MARRIAGE = "forced_marriage", "Forced marriage"
    FGM = "fgm", "Female genital mutilation"
    RADICALISATION = "radicalisation", "Radicalisation"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SELF_HARM = "self_harm", "Self-harm"
    VICTIM_OF_CRIME = "victim_of_crime", "Victim of crime"
    MISSING_WITH_OTHERS = "missing_with_others", "Missing with other children"


class RiskIndicatorFinding(models.Model):
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="risk_indicators")
    indicator = models.CharField(max_length=30, choices=RiskIndicator.choices)
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rhi", "indicator"], name="risk_indicator_once_per_rhi")
        ]
        indexes = [models.Index(fields=["indicator"], name="risk_indicator_idx")]

    def __str__(self) -> str:
        return self.get_indicator_display()


class PlaceType(models.TextChoices):
    ADDRESS = "address", "Private address"
    PARK = "park", "Park or open space"
    SHOP_OR_FOOD = "shop_or_food", "Shop, takeaway or café"
    TRANSPORT = "transport", "Station or transport hub"
    HOTEL = "hotel", "Hotel or short-let"
    TOWN_CENTRE = "town_centre", "Town centre"
    OTHER = "other", "Other"


class Location(models.Model):
    """A place the child went, kept as a record so places can be counted and mapped across RHIs."""

    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="locations")
    description = models.CharField(max_length=255)
    place_type = models.CharField(max_length=20, choices=PlaceType.choices, default=PlaceType.OTHER)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    from_at = models.DateTimeField(null=True, blank=True)
    to_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="location_has_description"),
            models.CheckConstraint(
                condition=Q(from_at__isnull=True) | Q(to_at__isnull=True) | Q(to_at__gte=F("from_at")),
                name="location_to_after_from",
            ),
        ]
        indexes = [models.Index(fields=["postcode"], name="location_postcode_idx")]

    def __str__(self) -> str:
        return self.description


class Associate(models.Model):
    """A person the child was with: linked as a record so the same associate can be seen across RHIs."""

    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="associates")
    name = models.CharField(max_length=200, help_text="Name or nickname as the child gave it.")
    approximate_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    is_adult = models.BooleanField(null=True, blank=True)
    relationship = models.CharField(max_length=200, blank=True)
    vehicle = models.CharField(max_length=200, blank=True, help_text="Vehicle description or registration.")
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="associate_has_name")]
        indexes = [models.Index(fields=["name"], name="associate_name_idx")]

    def __str__(self) -> str:
        return f"Associate {self.pk}"


class ReviewDecisionKind(models.TextChoices):
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for changes"


class ReviewDecision(models.Model):
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=ReviewDecisionKind.choices)
    comments = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rhi", "decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecisionKind.RETURNED) | ~Q(comments=""),
                name="review_return_has_comments",
            )
        ]

    def __str__(self) -> str:
        return self.get_decision_display()
