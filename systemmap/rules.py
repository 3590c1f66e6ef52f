"""Rules for values that come from people and files, shared by the services and the importers.

Each raises a DomainError naming the field and saying what to do.
"""

from __future__ import annotations

import math
import re
from typing import Any

from collab import identifiers
from collab.errors import DomainError
from collab.models import Sector
from systemmap.models import ATTRIBUTION_MAX, TAG_MAX, TAGS_MAX

COORDINATE_LIMIT = 1e7  # far beyond any canvas, well inside what a float holds exactly enough


def clean_text(value: Any, field: str, limit: int, *, required: bool = True, what: str = "it") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError.for_field(field, "Write text here.")
    value = value.strip()
    if "\x00" in value:
        raise DomainError.for_field(field, "Text cannot contain NUL characters.")
    if required and not value:
        raise DomainError.for_field(field, f"Give {what}.")
    if len(value) > limit:
        raise DomainError.for_field(field, f"Keep it to {limit} characters or fewer (this is {len(value)}).")
    return value


def clean_choice(value: Any, field: str, choices: type, *, what: str) -> str:
    if value not in choices.values:
        labels = ", ".join(str(label) for label in choices.labels)
        raise DomainError.for_field(field, f"Choose {what}: {labels}.")
    return value


def clean_sector(value: Any) -> str:
    if value in (None, ""):
        return ""
    return clean_choice(value, "sector", Sector, what="a sector from the list")


def clean_tags(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split("|")
    if not isinstance(value, list | tuple):
        raise DomainError.for_field("tags", "Give the tags as a list.")
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            raise DomainError.for_field("tags", "Each tag is a piece of text.")
        tag = " ".join(tag.split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise DomainError.for_field("tags", f"Keep each tag to {TAG_MAX} characters or fewer.")
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise DomainError.for_field("tags", f"Use at most {TAGS_MAX} tags.")
    return tags


def clean_coordinate(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DomainError.for_field(field, "Give the position as a number.")
    if abs(value) > COORDINATE_LIMIT:
        raise DomainError.for_field(field, "That position is too far from the rest of the map.")
    return float(value)


def clean_strength(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise DomainError.for_field("strength", "Give the strength as a whole number from 1 (weak) to 5 (strong).")
    return value


def clean_journey_step(value: Any, element_type: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise DomainError.for_field("journey_step", "Give the journey step as a whole number from 1.")
    if element_type != "stage":
        raise DomainError.for_field("journey_step", "Only a stage of the child's journey has a step in it.")
    return value


# --- Attribution: a role, never a name --------------------------------------------------------------------------

# Words that say what someone is or does. An attribution of capitalised words is taken for a personal name ("Sarah
# Jones") unless one of them is here ("Virtual School Head", "SENCo", "Parent Carer Forum").
_ROLE_TEXT = """
    pupil pupils student students child children young person people learner learners boy girl teenager sibling
    parent parents carer carers mother father mum dad grandparent grandmother grandfather foster guardian family
    families kinship adoptive stepparent
    teacher teachers headteacher head heads deputy assistant principal senco sencos ta tas tutor mentor
    lecturer governor governors trustee trustees chair member members staff leader leaders lead leads manager
    managers director directors coordinator co-ordinator officer officers adviser advisor advisers advisors
    consultant inspector clerk administrator receptionist caseworker keyworker key worker workers practitioner
    practitioners professional professionals specialist clinician clinicians nurse nurses doctor doctors gp gps
    paediatrician psychiatrist psychologist psychologists ep eps therapist therapists counsellor counsellors
    social police pcso youth justice commissioner commissioners analyst analysts researcher researchers
    volunteer volunteers representative representatives rep reps facilitator facilitators anchor coach
    school schools academy academies trust college primary secondary special infant junior nursery sixth form
    alternative provision ap pru unit virtual team service services forum panel network board group partnership
    authority council la local early help camhs nhs send sen ehcp inclusion exclusion exclusions attendance
    welfare safeguarding designated dsl behaviour pastoral year reception key stage ks1 ks2 ks3 ks4 post-16
    dfe ofsted data statistics survey census report department government national regional
"""
ROLE_WORDS = frozenset(_ROLE_TEXT.split())
HONORIFIC = re.compile(r"\b(mr|mrs|ms|miss|mx|dr|prof|sir|dame|rev|cllr)\.?\s+[A-Z]", re.IGNORECASE)
EMAIL = re.compile(r"\S+@\S+")
LONG_NUMBER = re.compile(r"\d[\d\s-]{5,}\d")  # phone numbers, pupil numbers
NAME_WORD = re.compile(r"^[A-Z][a-z'’-]+$")  # "Sarah", "O'Neil" (not "SENCo", not "CAMHS", not "year")


def clean_attribution(value: Any, *, required: bool) -> str:
    """An attribution by role only ("Year 9 pupil", "SENCo", "parent of a child with an EHCP"), never a name.

    The check is deliberately simple and errs towards refusing: no email addresses or long numbers, no honorific
    followed by a name ("Mrs Patel"), and not one to three capitalised words none of which is a role or setting word
    (which is what a name such as "Sarah Jones" looks like). It cannot catch every name; facilitators remain
    responsible for anonymising quotes, and the field's help text says so.
    """
    text = clean_text(value, "attribution", ATTRIBUTION_MAX, required=required, what="the person's role")
    if not text:
        return text
    message = "Attribute it by role only (for example “Year 9 pupil” or “SENCo”), never by name."
    if EMAIL.search(text) or LONG_NUMBER.search(text) or HONORIFIC.search(text):
        raise DomainError.for_field("attribution", message)
    words = re.split(r"[\s,/]+", text.strip(" .,;:()"))
    words = [w for w in words if w]
    looks_like_a_name = 1 <= len(words) <= 3 and all(NAME_WORD.match(w) for w in words)
    if looks_like_a_name and not any(w.lower().strip("'’") in ROLE_WORDS for w in words):
        raise DomainError.for_field("attribution", message)
    if identifiers.identifying(text):
        raise DomainError.for_field("attribution", message)
    return text


def clean_evidence_attribution(value: Any, kind: str | None) -> str:
    """A quote's attribution is a role chosen from `collab.identifiers.ATTRIBUTION_ROLES`, with an optional checked
    qualifier ("Year 9 pupil (with an EHCP)"); other evidence may name its source ("Council inclusion team"), checked
    by `clean_attribution`."""
    if kind == "quote":
        return identifiers.clean_attribution(value, required=True, limit=ATTRIBUTION_MAX)
    return clean_attribution(value, required=False)
