"""How the text rules' time grows with hostile input: every entry point that reads user text
on the ingestion and scheduler-language paths, on adversarial shapes, at n and 2n characters.

A linear reader takes about twice as long at 2n (ratio ≈ 2); a ratio near 4 is quadratic,
near 8 cubic. In process, no servers; figures are CPU time of this process.

    .venv/bin/python bench/hostile_text.py [--chars 6000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

from muninn_memory.entities.recognize import recognize
from muninn_memory.extraction.models import SourceMessage
from muninn_memory.extraction.rules import RuleExtractor, bounded, classify
from muninn_memory.extraction.text import clean
from muninn_scheduler.language.plans import parse_plan
from muninn_scheduler.language.reviews import analyse_review

SHAPES: dict[str, tuple[str, str]] = {
    # name: (prefix, unit repeated to the length), then a final "x" so no run ends the text
    "U+1680 run": ("I love", "\u1680"),
    "space run": ("I love", " "),
    "U+3000 run": ("I love", "\u3000"),
    "newline run": ("I love.", "\n"),
    "zero-width space run": ("I love", "\u200b"),
    "control run": ("I love", "\x1f"),
    "and": ("I love ", "and "),
    "but": ("I love cats", " but"),
    "I don't": ("", "I don't "),
    "I'm not": ("", "I'm not "),
    "comma run": ("I love cats", ","),
    "comma space": ("I love cats", ", "),
    "nested brackets": ("I love ", "(["),
    "sentences": ("", "I love cats. "),
    "clauses": ("", "I love cats and I "),
    "Dr.": ("", "Dr. "),
    "hyphenated capitals": ("", "Ab-"),
    "capitals": ("", "AB"),
    "capitalised words": ("I met ", "Ab "),
    "apostrophes": ("I love A", "'b"),
    "my": ("", "my "),
    "with": ("", "with "),
    "at the": ("", "at the "),
    "remind me": ("", "remind me "),
    "please": ("remind me tomorrow to call", " please,"),
    "digits": ("", "1 "),
    "dates": ("", "on 3 May "),
    "punctuation": ("", "!?.;:"),
}

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_rules = RuleExtractor()


def _extract(text: str) -> None:
    _rules.extract_sync([SourceMessage(content=text, created_at=NOW)])


READERS: dict[str, Callable[[str], object]] = {
    "memory: extraction": _extract,
    "memory: direct memory": lambda text: classify(bounded(clean(text))),  # as the pipeline
    "memory: entities": recognize,
    "scheduler: review": analyse_review,
    # parse_plan reads at most 500 characters of plain text; longer input is refused at once.
    "scheduler: plan": lambda text: parse_plan(text[:500], NOW.replace(tzinfo=None)),
}


def shape(name: str, chars: int) -> str:
    prefix, unit = SHAPES[name]
    return prefix + unit * max(1, (chars - len(prefix) - 1) // len(unit)) + "x"


def timed(read: Callable[[str], object], text: str) -> float:
    started = time.process_time()
    read(text)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, default=6000)
    args = parser.parse_args()
    n = args.chars
    print(f"{'reader':24s} {'shape':22s} {n:>7,} ch  {2 * n:>7,} ch  ratio")
    worst: tuple[float, str] = (0.0, "")
    for reader_name, read in READERS.items():
        for shape_name in SHAPES:
            if reader_name == "scheduler: plan" and n > 250:
                small, large = shape(shape_name, 250), shape(shape_name, 500)
            else:
                small, large = shape(shape_name, n), shape(shape_name, 2 * n)
            first, second = timed(read, small), timed(read, large)
            ratio = second / first if first > 0.002 else float("nan")
            print(
                f"{reader_name:24s} {shape_name:22s} {first * 1000:8.1f} ms {second * 1000:8.1f} ms"
                f"  {ratio:5.1f}",
                flush=True,
            )
            worst = max(worst, (second, f"{reader_name} on {shape_name}"))
    print(f"slowest at {2 * n:,} characters: {worst[1]} ({worst[0] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
