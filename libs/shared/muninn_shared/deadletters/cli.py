"""Operator command for dead letters: list them, show one, re-drive them to their topic.

    python -m muninn_shared.deadletters list [--topic T] [--consumer C] [--all] [--json]
    python -m muninn_shared.deadletters show ID
    python -m muninn_shared.deadletters redrive ID... | --every [--topic T] [--consumer C]

A dead letter's id is ``<dead-letter topic>:<partition>:<offset>``. Re-driving publishes the
original envelope to its topic again (every consumer is idempotent, so those that applied it
already skip it) and appends a re-drive record to the dead-letter topic, so the dead letter
is listed as re-driven from then on and is not re-driven twice unless ``--force`` says so.
The dead-letter topics are the log: the command keeps no state of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from muninn_shared.deadletters.records import REDRIVE_FORMAT, redrive_record
from muninn_shared.events.catalogue import Topic, dead_letter_topic
from muninn_shared.events.wire import STRUCTURED_CONTENT_TYPE

DLQ_SUFFIX = ".dlq"
READ_STALL_SECONDS = 30.0
REDRIVEN_HEADER = "x-muninn-redriven-from"


class DeadLetterError(Exception):
    """An operator-facing failure: printed without a traceback, exit status 1."""


@dataclass
class DeadLetter:
    id: str
    dlq_topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    record: dict[str, Any]
    redrives: list[dict[str, Any]] = field(default_factory=list)

    @property
    def consumer(self) -> str:
        return str(self.record.get("consumer", ""))

    @property
    def origin_topic(self) -> str:
        topic = self.record.get("topic")
        return str(topic) if topic else self.dlq_topic.removesuffix(DLQ_SUFFIX)

    @property
    def event_type(self) -> str:
        return str(self._from_message("event_type", "type") or "?")

    def _from_message(self, field_name: str, envelope_field: str) -> Any:
        """A field of the record, or of the original (records older than the field have it)."""
        found = self.record.get(field_name)
        message = self.record.get("message")
        if found is None and isinstance(message, dict):
            found = message.get(envelope_field)
        return found

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dead_lettered_at": _timestamp(self.timestamp_ms),
            "consumer": self.consumer,
            "reason": self.record.get("reason", "handler-failed"),
            "event_type": self.event_type,
            "event_id": self._from_message("event_id", "id"),
            "origin": {
                "topic": self.origin_topic,
                "partition": self.record.get("partition"),
                "offset": self.record.get("offset"),
            },
            "truncated": bool(self.record.get("truncated")),
            "redriven": len(self.redrives),
            "error": str(self.record.get("error", "")),
        }


def _timestamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def dead_letter_topics(selected: str | None) -> list[str]:
    if selected is None:
        return [dead_letter_topic(t.value) for t in Topic]
    return [selected if selected.endswith(DLQ_SUFFIX) else dead_letter_topic(selected)]


async def read_dead_letters(bootstrap: str, topics: Sequence[str]) -> list[DeadLetter]:
    """Every record of ``topics`` up to their current end, re-drive records joined in."""
    consumer = await _started_consumer(bootstrap)
    try:
        existing = await consumer.topics()
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            if topic in existing
            for partition in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        letters: dict[str, DeadLetter] = {}
        redrives: list[dict[str, Any]] = []
        remaining = {tp for tp in partitions if ends[tp] > await consumer.position(tp)}
        stalled_since = time.monotonic()
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            if batch:
                stalled_since = time.monotonic()
            elif time.monotonic() - stalled_since > READ_STALL_SECONDS:
                unread = ", ".join(sorted(f"{tp.topic}[{tp.partition}]" for tp in remaining))
                raise DeadLetterError(f"no records arrive from {unread}; is Kafka reachable?")
            for tp, records in batch.items():
                for message in records:
                    if message.offset >= ends[tp]:
                        continue
                    body = _json_object(message.value)
                    if body.get("format") == REDRIVE_FORMAT:
                        redrives.append(body)
                        continue
                    letter_id = f"{tp.topic}:{tp.partition}:{message.offset}"
                    letters[letter_id] = DeadLetter(
                        letter_id,
                        tp.topic,
                        tp.partition,
                        message.offset,
                        message.timestamp,
                        message.key,
                        body,
                    )
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        for redrive in redrives:
            target = letters.get(str(redrive.get("redrive_of")))
            if target is not None:
                target.redrives.append(redrive)
        return sorted(letters.values(), key=lambda d: (d.timestamp_ms, d.id))
    finally:
        await consumer.stop()


async def _started_consumer(bootstrap: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    try:
        await consumer.start()
    except BaseException:
        await consumer.stop()
        raise
    return consumer


def _json_object(value: bytes | None) -> dict[str, Any]:
    try:
        body = json.loads(value or b"")
    except ValueError:
        return {"error": "not a JSON dead-letter record", "message": None}
    return body if isinstance(body, dict) else {"message": body}


async def read_original(bootstrap: str, letter: DeadLetter) -> bytes:
    """The original message of a dead letter, from the record or, when cut, from its topic."""
    record = letter.record
    if not record.get("truncated"):
        message = record.get("message")
        if isinstance(message, str):
            return message.encode()
        return json.dumps(message, separators=(",", ":")).encode()
    partition, offset = record.get("partition"), record.get("offset")
    if not isinstance(partition, int) or not isinstance(offset, int):
        raise DeadLetterError(f"{letter.id}: the message was cut and its offset is unknown")
    consumer = await _started_consumer(bootstrap)
    try:
        tp = TopicPartition(letter.origin_topic, partition)
        consumer.assign([tp])
        first = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        if not first <= offset < end:
            raise DeadLetterError(
                f"{letter.id}: the message was cut and {tp.topic}[{partition}]@{offset} is no "
                "longer retained; it cannot be re-driven"
            )
        consumer.seek(tp, offset)
        while True:
            for message in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                if message.offset == offset and message.value is not None:
                    return bytes(message.value)
                if message.offset > offset:
                    raise DeadLetterError(f"{letter.id}: {tp.topic}[{partition}]@{offset} is gone")
    finally:
        await consumer.stop()


async def redrive(
    bootstrap: str, letters: Sequence[DeadLetter], *, operator: str, out: TextIO
) -> list[str]:
    """Re-publish each dead letter's original; returns the errors of those that could not be."""
    failures: list[str] = []
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    try:
        await producer.start()
        for letter in letters:
            try:
                original = await read_original(bootstrap, letter)
            except DeadLetterError as exc:
                failures.append(str(exc))
                continue
            # The original value is a whole structured-mode event: it travels as it was, with
            # the structured content type and no ce_* headers (see muninn_shared.events.wire).
            headers = [
                (REDRIVEN_HEADER, letter.id.encode()),
                ("content-type", STRUCTURED_CONTENT_TYPE.encode()),
            ]
            envelope = _json_object(original)
            subject = envelope.get("subject")
            key = subject.encode() if isinstance(subject, str) and subject else letter.key
            await producer.send_and_wait(letter.origin_topic, original, key=key, headers=headers)
            await producer.send_and_wait(
                letter.dlq_topic,
                redrive_record(
                    dead_letter_id=letter.id,
                    republished_to=letter.origin_topic,
                    operator=operator,
                ),
                key=letter.key,
            )
            print(f"re-driven {letter.id} -> {letter.origin_topic}", file=out)
    finally:
        await producer.stop()
    return failures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m muninn_shared.deadletters",
        description="List, show and re-drive the dead letters of Muninn's Kafka topics.",
    )
    parser.add_argument(
        "--bootstrap",
        help="Kafka bootstrap servers (default: MUNINN_KAFKA_BOOTSTRAP or the local stack's)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="dead letters, oldest first")
    _add_filters(listing)
    listing.add_argument("--all", action="store_true", help="include those already re-driven")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    show = commands.add_parser("show", help="one dead letter in full, with its re-drives")
    show.add_argument("id", help="<dead-letter topic>:<partition>:<offset>")

    again = commands.add_parser(
        "redrive", help="publish dead letters' original events to their topics again"
    )
    again.add_argument("ids", nargs="*", metavar="ID", help="dead letters to re-drive")
    again.add_argument(
        "--every", action="store_true", help="every dead letter the filters match, not re-driven"
    )
    _add_filters(again)
    again.add_argument("--force", action="store_true", help="also those re-driven before")
    again.add_argument("--dry-run", action="store_true", help="print what would be re-driven")
    again.add_argument("--operator", default=None, help="who re-drives, recorded with the re-drive")
    return parser


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topic", help="a topic (or its .dlq topic); default: every topic")
    parser.add_argument("--consumer", help="only dead letters of this consumer")


def _bootstrap(given: str | None) -> str:
    if given:
        return given
    from muninn_shared.settings import ServiceSettings

    return ServiceSettings().kafka_bootstrap


def _matching(letters: list[DeadLetter], consumer: str | None) -> list[DeadLetter]:
    return [d for d in letters if consumer is None or d.consumer == consumer]


def _print_table(letters: Sequence[DeadLetter], out: TextIO) -> None:
    columns = ("ID", "DEAD-LETTERED", "CONSUMER", "REASON", "EVENT TYPE", "STATE", "ERROR")
    rows = []
    for letter in letters:
        summary = letter.summary()
        state = f"re-driven x{summary['redriven']}" if summary["redriven"] else "dead"
        first_line = (summary["error"].splitlines() or [""])[0]
        rows.append(
            (
                letter.id,
                summary["dead_lettered_at"],
                summary["consumer"],
                summary["reason"],
                summary["event_type"],
                state,
                first_line[:80],
            )
        )
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    for row in (columns, *rows):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=out)


async def run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = _parser().parse_args(argv)
    bootstrap = _bootstrap(args.bootstrap)
    try:
        if args.command == "list":
            letters = _matching(
                await read_dead_letters(bootstrap, dead_letter_topics(args.topic)), args.consumer
            )
            if not args.all:
                letters = [d for d in letters if not d.redrives]
            if args.json:
                for letter in letters:
                    print(json.dumps(letter.summary()), file=out)
            else:
                _print_table(letters, out)
            return 0
        if args.command == "show":
            letter = await _find(bootstrap, args.id)
            print(
                json.dumps(
                    {**letter.summary(), "record": letter.record, "redrives": letter.redrives},
                    indent=2,
                ),
                file=out,
            )
            return 0
        return await _redrive_command(args, bootstrap, out, err)
    except DeadLetterError as exc:
        print(f"error: {exc}", file=err)
        return 1
    except KafkaError as exc:
        print(f"error: Kafka at {bootstrap}: {exc}", file=err)
        return 1


async def _find(bootstrap: str, letter_id: str) -> DeadLetter:
    topic, _, _ = letter_id.rpartition(":")[0].rpartition(":")
    if not topic.endswith(DLQ_SUFFIX):
        raise DeadLetterError(
            f"{letter_id}: not a dead-letter id (<topic>.dlq:<partition>:<offset>)"
        )
    for letter in await read_dead_letters(bootstrap, [topic]):
        if letter.id == letter_id:
            return letter
    raise DeadLetterError(f"{letter_id}: no such dead letter")


async def _redrive_command(
    args: argparse.Namespace, bootstrap: str, out: TextIO, err: TextIO
) -> int:
    if bool(args.ids) == bool(args.every):
        raise DeadLetterError("name dead letters by id, or pass --every (with filters), not both")
    if args.every:
        chosen = _matching(
            await read_dead_letters(bootstrap, dead_letter_topics(args.topic)), args.consumer
        )
    else:
        chosen = [await _find(bootstrap, letter_id) for letter_id in args.ids]
    skipped = [d for d in chosen if d.redrives and not args.force]
    for letter in skipped:
        if args.ids:
            print(f"skipped {letter.id}: re-driven before (use --force)", file=err)
    chosen = [d for d in chosen if d not in skipped]
    if args.dry_run:
        for letter in chosen:
            print(f"would re-drive {letter.id} -> {letter.origin_topic}", file=out)
        return 0
    failures = await redrive(
        bootstrap, chosen, operator=args.operator or getpass.getuser(), out=out
    )
    for failure in failures:
        print(f"error: {failure}", file=err)
    return 1 if failures or (skipped and args.ids) else 0


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:], sys.stdout, sys.stderr)))
