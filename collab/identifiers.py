"""Children are never identifiable: the one checker every input path uses (API serializers, websocket operations,
page forms and file imports all reach it through the services that own the text).

Two checks live here.

- **Attribution is a role, chosen from a list** (`ATTRIBUTION_ROLES`: "Reception pupil", "Year 1 pupil" … "Year 13
  pupil", "Young person", "Parent or carer", "SENCo", "Teacher"…, "Other"), with an optional short qualifier ("with
  an EHCP", "in care"). The qualifier is checked strictly (`clean_attribution`): no capitalised words that are not a
  role, setting or month (what a name looks like), no initials, no identifiers. A refused attribution is a 400 with
  what to do.
- **Free text that looks like it names a person or holds an identifier** (`identifying`): capitalised given name and
  surname ("Sarah Jones"), initials and surname ("J. Smith"), a relation followed by a name ("my son Jayden"), a title
  and a name ("Mrs Patel"), a UPN-like 13-character pupil number, a run of six or more digits, a date that could be a
  date of birth, a postcode, an email address or a phone number. It is a heuristic: it misses names written in lower
  case or unusual ones, and it flags some harmless text (a street name, a meeting date). So it does not refuse: it
  warns and asks the person to confirm (`require_confirmed`, which raises `NeedsConfirmation` until they do).
"""

from __future__ import annotations

import re
from typing import Any

from collab.errors import DomainError

# --- Roles -------------------------------------------------------------------------------------------------------

YEAR_GROUPS = ["Reception"] + [f"Year {n}" for n in range(1, 14)]
ATTRIBUTION_ROLES: list[str] = [
    *(f"{year} pupil" for year in YEAR_GROUPS),
    "Young person",
    "Former pupil",
    "Parent or carer",
    "Foster carer",
    "Sibling",
    "SENCo",
    "Teacher",
    "Teaching assistant",
    "Headteacher",
    "Head of year",
    "Pastoral lead",
    "Designated safeguarding lead",
    "Alternative provision staff",
    "Virtual school staff",
    "Social worker",
    "Early help worker",
    "Youth worker",
    "Health professional",
    "Educational psychologist",
    "Local authority officer",
    "Governor",
    "Other",
]
OTHER = "Other"
# Words people write for a role on the list, taken as that role ("Parent of a Year 7 pupil" is stored as "Parent or
# carer (of a Year 7 pupil)").
ALIASES = {
    "parent": "Parent or carer",
    "carer": "Parent or carer",
    "mother": "Parent or carer",
    "father": "Parent or carer",
    "mum": "Parent or carer",
    "dad": "Parent or carer",
    "head teacher": "Headteacher",
    "pupil in reception": "Reception pupil",
}
_ROLE_BY_KEY = {**ALIASES, **{role.lower(): role for role in ATTRIBUTION_ROLES}}
ATTRIBUTION_HELP = (
    "A role from the list, optionally with a short description in brackets, never a name: for example “Year 9 pupil”, "
    "“Parent or carer (of a Year 7 pupil)”, “Other (school nurse)”."
)
ROLE_LIST_MESSAGE = (
    "Attribute it by role only, never by name: start with one of "
    + ", ".join(
        f"“{role}”" for role in ATTRIBUTION_ROLES[:1] + ["Year 1 pupil … Year 13 pupil"] + ATTRIBUTION_ROLES[14:]
    )
    + ", optionally followed by a short description in brackets."
)

# Words that are not names although they are written with a capital: roles, settings, months, days, places in a
# school's life. Anything else with a capital in a qualifier is taken for a name.
_NOT_NAMES = """
    year years reception key stage pupil pupils student students child children young person people boy girl parent
    parents carer carers mother father mum dad grandparent foster kinship family families sibling brother sister
    teacher teachers headteacher head deputy assistant senco ta tutor mentor governor staff leader lead manager
    officer adviser advisor worker practitioner nurse doctor gp paediatrician psychiatrist psychologist therapist
    counsellor social police youth justice school schools academy trust college primary secondary special infant
    junior nursery sixth form alternative provision pru unit virtual team service services forum panel network
    board group authority council local early help send sen ehcp camhs nhs inclusion exclusion attendance welfare
    safeguarding designated behaviour pastoral english maths science art music pe the a an of in at with on for
    and or from who whose by to after before during since when where this that these those my our their his her i we
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday autumn spring summer term half christmas easter
    black white asian mixed british irish gypsy roma traveller muslim christian jewish sikh hindu
    yes no not new old first second third last next other former
    grandmother grandfather guardian adoptive stepparent kinship principal sencos tas lecturer governors trustee
    trustees chair member members leaders leads managers director directors coordinator co-ordinator officers
    advisers advisors consultant inspector clerk administrator receptionist caseworker keyworker key workers
    practitioners professional professionals specialist clinician clinicians nurses doctors gps psychologists ep
    eps therapists counsellors pcso commissioner commissioners analyst analysts researcher researchers volunteer
    volunteers representative representatives rep reps facilitator facilitators anchor coach academies fair access
    ap partnership la dfe ofsted data statistics survey census report department government national regional
    education health care children's parents' carers' young people's dsl ks1 ks2 ks3 ks4 post-16
"""
NOT_NAMES = frozenset(_NOT_NAMES.split())
_RELATIONS = (
    "son|daughter|child|kid|boy|girl|brother|sister|grandson|granddaughter|nephew|niece|cousin|pupil|student|friend|"
    "called|named|name is|known as"
)

NAME_WORD = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
UPN = re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b", re.IGNORECASE)
PHONE = re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d(?:[\s-]?\d){8,9}\b")
LONG_DIGITS = re.compile(r"\b\d(?:[\s-]?\d){5,}\b")
DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b")
BORN = re.compile(r"\b(?:born|d\.?o\.?b\.?|date of birth|birthday)\b", re.IGNORECASE)
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
HONORIFIC = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Rev|Cllr)\.?\s+{NAME_WORD}")
INITIALS = re.compile(rf"\b(?:[A-Z]\.\s?){{1,2}}{NAME_WORD}\b")
RELATION_NAME = re.compile(rf"\b(?i:{_RELATIONS})\s+({NAME_WORD})\b")
CAPITALISED_PAIR = re.compile(rf"\b({NAME_WORD})\s+({NAME_WORD})\b")


def _is_name_word(word: str) -> bool:
    lowered = word.lower().replace("’", "'")
    return lowered not in NOT_NAMES and re.sub(r"'s?$", "", lowered) not in NOT_NAMES


def identifying(text: str) -> list[str]:
    """What in `text` looks like it names a person or holds an identifier, in words for the person who wrote it
    (empty when nothing does). A heuristic: see the module's docstring for what it catches and what it misses."""
    if not text:
        return []
    found: list[str] = []

    def note(what: str, match: str) -> None:
        entry = f"“{match.strip()}” looks like {what}"
        if entry not in found:
            found.append(entry)

    for match in EMAIL.finditer(text):
        note("an email address", match.group())
    without_emails = EMAIL.sub(" ", text)
    for match in UPN.finditer(without_emails):
        note("a pupil number (UPN)", match.group())
    for match in PHONE.finditer(without_emails):
        note("a phone number", match.group())
    for match in LONG_DIGITS.finditer(without_emails):
        if not any(match.group().strip() in entry for entry in found):
            note("an identifying number", match.group())
    for match in DATE.finditer(without_emails):
        note(
            "a date of birth" if BORN.search(without_emails) else "a date that could be a date of birth", match.group()
        )
    for match in POSTCODE.finditer(without_emails):
        note("a postcode", match.group())
    for match in HONORIFIC.finditer(without_emails):
        note("a person's name", match.group())
    for match in INITIALS.finditer(without_emails):
        if _is_name_word(match.group().split()[-1].split(".")[-1]):
            note("a person's name", match.group())
    for match in RELATION_NAME.finditer(without_emails):
        if _is_name_word(match.group(1)):
            note("a person's name", match.group())
    for match in CAPITALISED_PAIR.finditer(without_emails):
        first, second = match.group(1), match.group(2)
        if _is_name_word(first) and _is_name_word(second):
            note("a person's name", match.group())
    return found


class NeedsConfirmation(DomainError):
    """Free text looks identifying: the person must look again and confirm (400, code "needs_confirmation")."""

    code = "needs_confirmation"


def warning_for(findings: list[str]) -> str:
    return (
        "Children and families must never be identifiable. "
        + "; ".join(findings)
        + ". Remove it, or, if it names no one and identifies no one, confirm and save again."
    )


def require_confirmed(texts: dict[str, str], *, confirmed: bool) -> None:
    """Raise `NeedsConfirmation` naming each field whose text looks identifying, unless the person confirmed."""
    if confirmed:
        return
    fields = {name: [warning_for(found)] for name, value in texts.items() if (found := identifying(value or ""))}
    if fields:
        first = next(iter(fields.values()))[0]
        raise NeedsConfirmation(first, fields={**fields, "confirm": [first]})


# --- Attribution -------------------------------------------------------------------------------------------------

_SEPARATORS = " ,;:-–—()"


def parse_attribution(text: str) -> tuple[str, str] | None:
    """(role, qualifier) when `text` starts with a role from the list (any case), else None."""
    value = " ".join((text or "").split())
    lowered = value.lower()
    for key in sorted(_ROLE_BY_KEY, key=len, reverse=True):
        if lowered == key:
            return _ROLE_BY_KEY[key], ""
        if lowered.startswith(key) and value[len(key)] in _SEPARATORS:
            return _ROLE_BY_KEY[key], value[len(key) :].strip(_SEPARATORS)
    return None


def compose_attribution(role: str, qualifier: str = "") -> str:
    return f"{role} ({qualifier})" if qualifier else role


def qualifier_problems(qualifier: str) -> list[str]:
    """Why a qualifier could identify someone: anything `identifying` finds, and any capitalised word that is not a
    role, setting or month (in a few words, that is what a name looks like)."""
    found = identifying(qualifier)
    for word in re.findall(NAME_WORD, qualifier):
        if _is_name_word(word):
            found.append(f"“{word}” looks like a name")
    if re.search(r"\b[A-Z]\.", qualifier):
        found.append("initials look like a name")
    return found


def clean_attribution(
    value: Any, *, required: bool, limit: int = 80, field: str = "attribution", qualifier: Any = None
) -> str:
    """The attribution as stored: "Role" or "Role (qualifier)". `value` is either the whole text or, with
    `qualifier` given, just the role. Raises a DomainError naming `field` when it is not a role from the list or
    the qualifier could identify someone."""
    if value is None:
        value = ""
    if not isinstance(value, str) or (qualifier is not None and not isinstance(qualifier, str)):
        raise DomainError.for_field(field, "Write the attribution as text.")
    if qualifier is not None:
        role = _ROLE_BY_KEY.get(" ".join(value.split()).lower())
        if value.strip() and role is None:
            raise DomainError.for_field(field, ROLE_LIST_MESSAGE)
        parsed = (role, qualifier.strip()) if role else None
        if parsed is None and qualifier.strip():
            raise DomainError.for_field(field, "Choose a role before describing it.")
    else:
        if not value.strip():
            parsed = None
        else:
            parsed = parse_attribution(value)
            if parsed is None:
                raise DomainError.for_field(field, ROLE_LIST_MESSAGE)
    if parsed is None:
        if required:
            raise DomainError.for_field(field, "Say whose words these are, by role (for example “Year 9 pupil”).")
        return ""
    role, extra = parsed
    extra = " ".join(extra.split()).strip(_SEPARATORS)
    if extra:
        problems = qualifier_problems(extra)
        if problems:
            raise DomainError.for_field(
                field,
                "Describe the role without names or identifiers (" + "; ".join(problems) + "). " + ROLE_LIST_MESSAGE,
            )
    text = compose_attribution(role, extra)
    if len(text) > limit:
        raise DomainError.for_field(
            field, f"Keep the attribution to {limit} characters or fewer (this is {len(text)})."
        )
    return text


# Words in old free-text attributions, and the role they most likely meant (first match wins).
_CLOSEST: list[tuple[str, str]] = [
    (r"\breception\b", "Reception pupil"),
    (r"\bparent|\bcarer|\bmum\b|\bmother|\bfather|\bdad\b|\bgrand(?:parent|mother|father)", "Parent or carer"),
    (r"\bfoster", "Foster carer"),
    (r"\bsenco", "SENCo"),
    (r"\bhead ?teacher|\bprincipal\b", "Headteacher"),
    (r"\bhead of year", "Head of year"),
    (r"\bteaching assistant|\bta\b", "Teaching assistant"),
    (r"\bteacher", "Teacher"),
    (r"\bsafeguarding|\bdsl\b", "Designated safeguarding lead"),
    (r"\bpastoral", "Pastoral lead"),
    (r"\bsocial worker|\bsocial care", "Social worker"),
    (r"\bearly help", "Early help worker"),
    (r"\byouth worker", "Youth worker"),
    (r"\beducational psycholog|\bep\b", "Educational psychologist"),
    (r"\bnurse|\bgp\b|\bdoctor|\bcamhs|\bpaediatric|\btherapist|\bhealth|\bnhs\b", "Health professional"),
    (r"\bvirtual school", "Virtual school staff"),
    (r"\balternative provision|\bpru\b|\bap\b", "Alternative provision staff"),
    (r"\bgovernor", "Governor"),
    (r"\blocal authority|\bla officer|\bcouncil|\bofficer", "Local authority officer"),
    (r"\bformer pupil|\bex-pupil", "Former pupil"),
    (r"\bsibling|\bbrother|\bsister", "Sibling"),
    (r"\byoung person|\bpupil|\bstudent|\bchild|\bteenager|\bboy\b|\bgirl\b|\blearner", "Young person"),
]


_PLAIN_TEXT = "the a an of in at with on for and or from who whose by to my our their his her i we"
_PLAIN = frozenset(_PLAIN_TEXT.split())


def _says_a_role(text: str) -> bool:
    """Whether old free text has a word of a role or setting in it: text without one (“sarah jones”) is dropped."""
    words = {re.sub(r"['’]s?$", "", w) for w in re.findall(r"[a-z'’-]+", text.lower())}
    return bool(words & (NOT_NAMES - _PLAIN))


def closest_attribution(text: str, *, limit: int = 80) -> str:
    """For attributions written before roles were a choice: the same text when it is already a role from the list
    with an acceptable qualifier; otherwise the closest role, keeping the old text as its qualifier only when it
    passes the check; "Other" when nothing fits."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    try:
        return clean_attribution(text, required=False, limit=limit)
    except DomainError:
        pass
    lowered = text.lower()
    role = OTHER
    year = re.search(r"\byear\s*(1[0-3]|[1-9])\b", lowered)
    parent = re.search(_CLOSEST[1][0], lowered)
    if year and not parent and re.search(r"pupil|student|child|boy|girl|learner|young", lowered):
        role = f"Year {year.group(1)} pupil"
    else:
        for pattern, candidate in _CLOSEST:
            if re.search(pattern, lowered):
                role = candidate
                break
    parsed = parse_attribution(text)
    qualifier = parsed[1] if parsed else text
    if qualifier.lower() == role.lower() or qualifier_problems(qualifier) or not _says_a_role(qualifier):
        qualifier = ""
    composed = compose_attribution(role, qualifier)
    return composed if len(composed) <= limit else role
