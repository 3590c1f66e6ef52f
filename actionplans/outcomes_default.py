"""The programme's default outcome framework: the Theory of Change of DOMAIN.md, tracked mostly through the annual
member survey. Plain data (no models), so the data migration that seeds existing programmes can use it too."""

from __future__ import annotations

FRAMEWORK_NAME = "Theory of Change"
FRAMEWORK_DESCRIPTION = (
    "Outcomes at three levels, tracked mostly through the annual member survey over waves, for the full sample and "
    "for a constant sample; the context that makes them possible; and the long-term aims."
)

# (level, title, description), in the order shown.
DEFAULT_OUTCOMES: list[tuple[str, str, str]] = [
    ("relationship", "Respect", "Members treat one another with respect across agencies."),
    ("relationship", "Fairness", "Members feel they are treated fairly by the other agencies."),
    ("relationship", "Empathy", "Members understand the pressures on the other agencies."),
    ("relationship", "Trust", "Members trust the other agencies to act on what they agree."),
    ("relationship", "Integrity", "Agencies do what they say they will do."),
    (
        "organisational",
        "Joint funding for preventative support",
        "Funding for preventative support, joint where it can be.",
    ),
    (
        "organisational",
        "Alignment and coherence of the local support offer",
        "The local offer of support fits together and is understood.",
    ),
    ("system", "Equitable sharing of burdens and risks", "Burdens and risks are shared fairly between agencies."),
    (
        "system",
        "Timely, accurate information sharing about pupils' needs",
        "Information about pupils' needs reaches the people who need it, in time.",
    ),
    (
        "system",
        "Timely access to preventative or appropriate provision",
        "Children get preventative or appropriate provision when they need it.",
    ),
    ("context", "Openness to learning and collaboration", ""),
    ("context", "Capacity and buy-in", ""),
    ("context", "Alignment with own organisation's priorities", ""),
    ("long_term", "Children feel more included", ""),
    ("long_term", "Preventable exclusions keep falling", ""),
]


def seed(framework_model, outcome_model, programme) -> None:  # noqa: ANN001 - used with historical models too
    """Create the programme's framework with the default outcomes, unless it has one."""
    framework, created = framework_model.objects.get_or_create(
        programme=programme, defaults={"name": FRAMEWORK_NAME, "description": FRAMEWORK_DESCRIPTION}
    )
    if created:
        outcome_model.objects.bulk_create(
            outcome_model(framework=framework, level=level, title=title, description=description, position=i)
            for i, (level, title, description) in enumerate(DEFAULT_OUTCOMES, start=1)
        )
