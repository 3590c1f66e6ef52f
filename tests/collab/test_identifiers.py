"""Children are never named: attribution is a role from the list with a checked description, and free text that looks
like it names someone or holds an identifier is caught for the person to confirm."""

import pytest

from collab.errors import DomainError
from collab.identifiers import clean_attribution, closest_attribution, identifying, require_confirmed

NAMES = ["sarah jones", "Sarah Jones, Year 9 pupil", "Jayden (Year 9 pupil)", "J. Smith", "Pupil number 123456",
         "Year 9 pupil (Jayden)", "Year 9 pupil, J. Smith", "Parent or carer (sam@example.org)", "Year 14 pupil",
         "Teacher (Mrs Patel)", "Year 10 pupil (UPN A12345678901B)"]  # fmt: skip


@pytest.mark.parametrize("text", NAMES)
def test_an_attribution_that_is_not_a_role_from_the_list_or_names_someone_is_refused(text):
    with pytest.raises(DomainError) as refused:
        clean_attribution(text, required=True)
    assert refused.value.fields == {"attribution": [refused.value.message]}
    assert "role" in refused.value.message


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Year 9 pupil", "Year 9 pupil"),
        ("reception pupil", "Reception pupil"),
        ("Year 10 pupil with an EHCP", "Year 10 pupil (with an EHCP)"),
        ("Parent of a Year 7 pupil", "Parent or carer (of a Year 7 pupil)"),
        ("SENCo, secondary school", "SENCo (secondary school)"),
        ("Other (school nurse)", "Other (school nurse)"),
        ("Young person (in care)", "Young person (in care)"),
    ],
)
def test_a_role_from_the_list_with_a_plain_description_is_stored_in_one_form(text, stored):
    assert clean_attribution(text, required=True) == stored


def test_a_role_and_its_description_can_be_given_apart():
    assert clean_attribution("Year 9 pupil", qualifier="with an EHCP", required=True) == "Year 9 pupil (with an EHCP)"
    with pytest.raises(DomainError):
        clean_attribution("Year 9 pupil", qualifier="Jayden", required=True)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("My son Jayden was sent home again.", "name"),
        ("Sarah Jones said nobody listened.", "name"),
        ("J. Smith told the panel.", "name"),
        ("Mrs Patel rang the school.", "name"),
        ("His UPN is A12345678901B.", "pupil number"),
        ("Pupil 1234567 was excluded.", "number"),
        ("She was born on 12/03/2011.", "date of birth"),
        ("They live near SW1A 1AA.", "postcode"),
        ("Write to sam@example.org for the notes.", "email"),
        ("Call 07700 900123 after school.", "phone"),
    ],
)
def test_free_text_that_looks_identifying_is_caught(text, what):
    found = identifying(text)
    assert found and what in " ".join(found)


@pytest.mark.parametrize(
    "text",
    [
        "Nobody asked me what was going on at home. They just sent me out.",
        "Suspensions in Eastmere secondary schools in the autumn term",
        "In September the Fair Access Panel met with the Virtual School.",
        "Children waiting more than 18 weeks for a first CAMHS appointment",
    ],
)
def test_ordinary_text_passes(text):
    assert identifying(text) == []


def test_identifying_text_needs_confirming_and_passes_once_confirmed():
    with pytest.raises(DomainError) as warned:
        require_confirmed({"text": "My son Jayden was sent home."}, confirmed=False)
    assert warned.value.code == "needs_confirmation"
    assert set(warned.value.fields) == {"text", "confirm"}
    assert "“son Jayden”" in warned.value.message
    require_confirmed({"text": "My son Jayden was sent home."}, confirmed=True)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Sarah Jones, Year 9 pupil", "Year 9 pupil"),
        ("Jayden (Year 9 pupil)", "Year 9 pupil"),
        ("sarah jones", "Other"),
        ("Pupil number 123456", "Young person"),
        ("Parent of a Year 7 pupil", "Parent or carer (of a Year 7 pupil)"),
        ("Parent carer forum member", "Parent or carer (carer forum member)"),
        ("Headteacher, pupil referral unit", "Headteacher (pupil referral unit)"),
        ("School nurse", "Health professional (School nurse)"),
        ("Year 9 pupil", "Year 9 pupil"),
    ],
)
def test_old_attributions_become_the_closest_role_keeping_only_text_that_passes(old, new):
    assert closest_attribution(old) == new
