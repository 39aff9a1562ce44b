from __future__ import annotations

from typing import Any

import pytest
from muninn_conversation.advisors.models import (
    AdvisorCreate,
    AdvisorPatch,
    BoardSelect,
    BoardSource,
    MemoryValue,
    Persona,
)
from pydantic import ValidationError


def persona(**extra: Any) -> dict[str, Any]:
    return {"name": "Iris Vale", "title": "Negotiation Coach", **extra}


def test_only_name_and_title_are_required_and_lists_are_cleaned() -> None:
    created = AdvisorCreate.model_validate(
        {
            "persona": persona(expertise=[" Pricing ", "pricing", "", "Contracts"]),
            "tags": ["Sales", "sales ", "B2B"],
        }
    )
    assert created.persona.expertise == ["Pricing", "Contracts"]
    assert created.tags == ["sales", "b2b"]
    assert created.is_public is False, "custom advisors are private unless published"
    assert created.handle is None


@pytest.mark.parametrize(
    "body",
    [
        {"persona": {"name": "Iris"}},
        {"persona": persona(name="   ")},
        {"persona": persona(), "handle": "Has Spaces"},
        {"persona": persona(), "handle": "x"},
        {"persona": persona(), "category": "Not A Slug"},
        {"persona": persona(), "tags": ["x" * 41]},
        {"persona": persona(), "featured": True},
        {"persona": persona(unknown_field=1)},
        {"persona": persona(education={"graduation_year": 1066})},
        {"persona": persona(location={"country_code": "gbr"})},
    ],
)
def test_invalid_advisors_are_rejected(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AdvisorCreate.model_validate(body)


def test_the_full_seed_persona_shape_is_accepted() -> None:
    full = Persona.model_validate(
        persona(
            image="https://example.org/iris.png",
            description="d",
            one_liner="o",
            archetype="The Closer",
            temperament="calm",
            bio="b",
            detailed_background="db",
            experience="e",
            specialties=["s"],
            personal_interests=["p"],
            communication_style="c",
            personality=["calm"],
            expertise=["x"],
            core_beliefs_or_principles=["y"],
            education={
                "degree_level": "Master's",
                "degree_name": "MBA",
                "major": "m",
                "institution": "i",
                "graduation_year": 2011,
            },
            location={
                "city": "Oslo",
                "region": "r",
                "country": "Norway",
                "country_code": "NO",
                "timezone": "Europe/Oslo",
            },
            advice_delivery={
                "mode": "m",
                "formality": "formal",
                "use_emojis": False,
                "voice_guidelines": ["g"],
                "sign_off": "s",
            },
            marital_status="married",
        )
    )
    assert full.education is not None
    assert full.education.graduation_year == 2011
    assert full.advice_delivery is not None
    assert full.advice_delivery.voice_guidelines == ["g"]


def test_a_patch_must_change_something_and_cannot_null_required_fields() -> None:
    with pytest.raises(ValidationError):
        AdvisorPatch.model_validate({})
    for field in ("persona", "handle", "is_public", "status", "tags"):
        with pytest.raises(ValidationError):
            AdvisorPatch.model_validate({field: None})
    assert AdvisorPatch.model_validate({"category": None}).model_dump(exclude_unset=True) == {
        "category": None
    }


def test_board_selection_defaults_to_manual_and_team_id_needs_a_template_source() -> None:
    assert BoardSelect().source == BoardSource.MANUAL
    assert (
        BoardSelect(source=BoardSource.TEMPLATE, team_id="healthy-living").team_id
        == "healthy-living"
    )
    with pytest.raises(ValidationError):
        BoardSelect(source=BoardSource.RECOMMENDATION, team_id="healthy-living")
    with pytest.raises(ValidationError):
        BoardSelect.model_validate({"source": "marketplace"})


@pytest.mark.parametrize("value", [1, "text", None, True, [1, "a"], {"nested": {"list": [1, 2.5]}}])
def test_memory_values_are_any_json(value: Any) -> None:
    assert MemoryValue(value=value).value == value
