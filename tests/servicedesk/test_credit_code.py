import pytest
from django.core.exceptions import ValidationError

from servicedesk.validators import credit_code_check_char, validate_credit_code
from tests.factories import EnterpriseFactory, ManagerFactory, OfficerFactory, ParkFactory, credit_code

# Real codes published on the national enterprise credit system.
KNOWN_VALID = ["91350100M000100Y43", "91110000600037341L", "91310000775785552L"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_published_codes_are_valid(code):
    validate_credit_code(code)


def test_check_char_matches_the_standard_example():
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_wrong_check_digit_names_the_expected_character():
    with pytest.raises(ValidationError) as err:
        validate_credit_code("91350100M000100Y44")
    assert err.value.code == "credit_code_check"
    assert "3" in err.value.messages[0]


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_wrong_length_is_refused(code):
    with pytest.raises(ValidationError) as err:
        validate_credit_code(code)
    assert err.value.code == "credit_code_length"


def test_lowercase_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as err:
        validate_credit_code("91350100m000100y43")
    assert err.value.code == "credit_code_case"


@pytest.mark.parametrize("code", ["91350100M000100I43", "9135010OM000100Y43"])
def test_letters_outside_the_alphabet_are_refused(code):
    with pytest.raises(ValidationError) as err:
        validate_credit_code(code)
    assert err.value.code == "credit_code_chars"


def test_factory_codes_are_valid_and_distinct():
    codes = {credit_code(n) for n in range(500)}
    assert len(codes) == 500
    for code in codes:
        validate_credit_code(code)


@pytest.mark.django_db
def test_api_refuses_a_wrong_code_with_a_field_error_and_creates_nothing(api_as):
    manager = ManagerFactory()
    park = ParkFactory()
    officer = OfficerFactory()
    body = {
        "name": "郑州益辉食品有限公司",
        "credit_code": "91350100M000100Y44",
        "park": park.pk,
        "chief_officer": officer.pk,
    }
    response = api_as(manager).post("/api/v1/enterprises/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "credit_code" in response.json()
    assert "check digit" in response.json()["credit_code"][0]

    body["credit_code"] = "91350100M000100Y43"
    response = api_as(manager).post("/api/v1/enterprises/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.json()
    assert response.json()["credit_code"] == "91350100M000100Y43"


@pytest.mark.django_db
def test_model_full_clean_refuses_a_wrong_code():
    enterprise = EnterpriseFactory.build(
        credit_code="91350100M000100Y44", park=ParkFactory(), chief_officer=OfficerFactory()
    )
    with pytest.raises(ValidationError) as err:
        enterprise.full_clean()
    assert "credit_code" in err.value.message_dict
