from __future__ import annotations

from datetime import UTC, datetime

from muninn_conversation.advisors.catalogue import ADVISORS, BUILT_IN_PREFIX, TEAMS
from muninn_conversation.advisors.mentions import MentionTarget, alias_table
from muninn_conversation.advisors.service import (
    advisor_from_doc,
    catalogue_advisor_doc,
    catalogue_team_doc,
    is_visible,
)


def test_eight_diverse_advisors_with_unique_ids_handles_and_names() -> None:
    assert len(ADVISORS) == 8
    assert len({a.id for a in ADVISORS}) == 8
    assert len({a.handle for a in ADVISORS}) == 8
    assert len({a.persona.name for a in ADVISORS}) == 8
    assert len({a.category for a in ADVISORS}) >= 6
    assert all(a.id.startswith(BUILT_IN_PREFIX) for a in ADVISORS)


def test_every_persona_is_complete_enough_to_play() -> None:
    for advisor in ADVISORS:
        p = advisor.persona
        assert all((p.bio, p.communication_style, p.one_liner)), advisor.id
        assert min(len(p.expertise), len(p.core_beliefs_or_principles)) >= 3, advisor.id
        assert p.advice_delivery is not None, advisor.id
        assert p.advice_delivery.voice_guidelines, advisor.id
        assert None not in (p.education, p.location), advisor.id
        assert advisor.role_definition.boundaries, f"{advisor.id} says where it stops"
        assert advisor.tags, advisor.id


def test_every_built_in_advisor_is_addressable_by_first_name() -> None:
    table = alias_table(MentionTarget(a.id, a.handle, a.persona.name) for a in ADVISORS)
    for advisor in ADVISORS:
        assert table[advisor.persona.name.split()[0].lower()] == advisor.id
        assert table[advisor.handle] == advisor.id


def test_team_templates_reference_catalogue_advisors() -> None:
    ids = {a.id for a in ADVISORS}
    assert len({t.id for t in TEAMS}) == len(TEAMS) >= 4
    for team in TEAMS:
        assert len(team.advisor_ids) >= 2
        assert set(team.advisor_ids) <= ids, team.id
    assert any(t.featured for t in TEAMS)


def test_catalogue_documents_belong_to_nobody_and_render_as_built_in_public_advisors() -> None:
    now = datetime.now(UTC)
    for entry in ADVISORS:
        doc = {**catalogue_advisor_doc(entry), "created_at": now, "updated_at": now}
        assert doc["user_id"] is None
        assert is_visible(doc, "anyone")
        advisor = advisor_from_doc(doc, "anyone", {entry.id})
        assert advisor.built_in
        assert advisor.is_public
        assert not advisor.is_mine
        assert advisor.on_board
        assert advisor.persona == entry.persona
    for team in TEAMS:
        assert catalogue_team_doc(team)["user_id"] is None


def test_visibility_rules() -> None:
    private = {"_id": "x", "user_id": "alice", "is_public": False}
    public = {"_id": "y", "user_id": "alice", "is_public": True}
    assert is_visible(private, "alice")
    assert not is_visible(private, "bob")
    assert is_visible(public, "bob")
