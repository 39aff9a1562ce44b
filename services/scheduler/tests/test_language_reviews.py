"""The offline review analyser: sentiment per clause, stated ratings, intent."""

from __future__ import annotations

from muninn_scheduler.language.reviews import (
    analyse_review,
    inferred_rating,
    stated_rating,
    summary,
)


def test_a_glowing_reply() -> None:
    insights = analyse_review(
        "It was great! Dr. Mary was so gentle and the clinic was spotless. "
        "I would definitely recommend her, 5/5."
    )
    assert insights.overall_sentiment == "positive"
    assert insights.emotional_tone == "excited"
    assert insights.rating == 5.0
    assert insights.recommendation is True
    assert "Dr. Mary was so gentle and the clinic was spotless" in insights.highlights
    assert insights.issues == []
    assert insights.key_quotes


def test_a_bad_experience() -> None:
    insights = analyse_review(
        "Honestly terrible. I waited 40 minutes and the receptionist was rude. Never going back."
    )
    assert insights.overall_sentiment == "negative"
    assert insights.emotional_tone == "frustrated"
    assert insights.future_intent == "avoid"
    assert len(insights.issues) == 2
    assert inferred_rating(insights) == 2.0


def test_mixed_with_a_condition() -> None:
    insights = analyse_review(
        "The food was delicious but the service was really slow. "
        "Maybe I would go back if they fix that."
    )
    assert insights.overall_sentiment == "mixed"
    assert insights.highlights == ["The food was delicious"]
    assert insights.issues == ["the service was really slow"]
    assert insights.future_intent == "conditional"


def test_negation_flips_sentiment() -> None:
    insights = analyse_review("The staff were not friendly and I wouldnt recommend them")
    assert insights.overall_sentiment == "negative"
    assert insights.recommendation is False


def test_ratings_only_when_stated() -> None:
    assert stated_rating("I'd give it 8 out of 10") == 4.0
    assert stated_rating("four stars") == 4.0
    assert stated_rating("rate it a 3") == 3.0
    assert stated_rating("we were 2 people at 8") is None
    assert analyse_review("It was fine.").rating is None


def test_summary_reads_well() -> None:
    insights = analyse_review("Quick and painless, 4 stars. I will book my next checkup there.")
    text = summary(insights, "Dr. Mary")
    assert text.startswith("Positive experience with Dr. Mary (4/5).")
    assert insights.future_intent == "will_return"
