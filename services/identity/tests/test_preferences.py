from __future__ import annotations

import pytest
from muninn_identity.users.models import Preferences, merge_patch
from pydantic import ValidationError


def test_defaults_follow_the_seed_shape() -> None:
    prefs = Preferences()
    assert prefs.default_context == "personal"
    assert prefs.privacy.data_retention_days == 0
    assert prefs.notifications.quiet_hours.enabled is False
    assert prefs.preferred_contact_times.morning == 9


def test_merge_patch_is_rfc7396() -> None:
    target = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}
    assert merge_patch(target, {"b": {"c": None, "x": 1}, "e": [2], "f": "new"}) == {
        "a": 1,
        "b": {"d": 3, "x": 1},
        "e": [2],
        "f": "new",
    }
    assert target == {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}, "the input is not mutated"


@pytest.mark.parametrize(
    "bad",
    [
        {"timezone": "Not/AZone"},
        {"timezone": "../../etc/passwd"},
        {"language": "english please"},
        {"voice_speed": 0.1},
        {"notifications": {"quiet_hours": {"end": "8am"}}},
        {"privacy": {"data_retention_days": -1}},
        {"preferred_contact_times": {"morning": 15}},
        {"theme": "neon"},
        {"currency": "EURO"},
        {"currency": "XYZ"},
        {"surprise": True},
    ],
)
def test_invalid_preferences_are_rejected(bad: dict) -> None:
    with pytest.raises(ValidationError):
        Preferences.model_validate(merge_patch(Preferences().model_dump(mode="json"), bad))


def test_valid_iana_zone_and_location() -> None:
    prefs = Preferences.model_validate(
        {
            "timezone": "America/New_York",
            "location": {"city": "Lisbon", "country": "PT", "timezone": "Europe/Lisbon"},
        }
    )
    assert prefs.timezone == "America/New_York"
    assert prefs.location is not None
    assert prefs.location.timezone == "Europe/Lisbon"


def test_a_default_currency_is_an_iso_4217_code_in_upper_case() -> None:
    assert Preferences().currency is None
    assert Preferences.model_validate({"currency": "eur"}).currency == "EUR"
    cleared = merge_patch(Preferences(currency="JPY").model_dump(mode="json"), {"currency": None})
    assert Preferences.model_validate(cleared).currency is None


def test_registration_rejects_a_malformed_language_tag_before_anything_is_stored() -> None:
    from muninn_identity.auth.models import Registration

    with pytest.raises(ValidationError, match="BCP 47"):
        Registration.model_validate(
            {"email": "a@example.com", "password": "long enough pass", "language": "0000000"}
        )
    ok = Registration.model_validate(
        {"email": "a@example.com", "password": "long enough pass", "language": "pt-BR"}
    )
    assert ok.language == "pt-BR"


def test_profile_patch_refuses_null_for_the_onboarding_flag_but_lets_names_be_cleared() -> None:
    from muninn_identity.users.models import UserPatch

    with pytest.raises(ValidationError, match="onboarding_completed"):
        UserPatch.model_validate({"onboarding_completed": None})
    cleared = UserPatch.model_validate({"assistant_name": None})
    assert cleared.model_fields_set == {"assistant_name"}
