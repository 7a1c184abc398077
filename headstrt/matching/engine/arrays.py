"""Append-only columns (numpy arrays, texts) that grow cheaply, for incremental index updates."""

import numpy as np


class GrowingArray:
    """A numpy array with amortised O(1) appends; ``view()`` is the filled part."""

    def __init__(self, dtype, *, width: int | None = None, initial: np.ndarray | None = None):
        shape = (0,) if width is None else (0, width)
        if initial is None:
            initial = np.zeros(shape, dtype=dtype)
        self._data = np.array(initial, dtype=dtype, copy=True)
        self._size = len(self._data)

    def __len__(self) -> int:
        return self._size

    def view(self) -> np.ndarray:
        """The filled rows (a view: valid until the next append)."""
        return self._data[: self._size]

    def _reserve(self, size: int) -> None:
        if size > len(self._data):
            capacity = max(size, 2 * len(self._data), 16)
            grown = np.zeros((capacity, *self._data.shape[1:]), dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown

    def extend(self, values) -> None:
        """Append rows."""
        values = np.asarray(values, dtype=self._data.dtype)
        self._reserve(self._size + len(values))
        self._data[self._size : self._size + len(values)] = values
        self._size += len(values)

    def append(self, value) -> None:
        """Append one row."""
        self._reserve(self._size + 1)
        self._data[self._size] = value
        self._size += 1


class TextColumn:
    """Append-only texts: a saved UTF-8 blob with offsets (memory-mappable) plus new texts."""

    def __init__(self, blob: np.ndarray | None = None, offsets: np.ndarray | None = None):
        self._blob = np.zeros(0, np.uint8) if blob is None else blob
        self._offsets = np.zeros(1, np.int64) if offsets is None else offsets
        self._recent: list[str] = []

    def __len__(self) -> int:
        return len(self._offsets) - 1 + len(self._recent)

    def __getitem__(self, i: int) -> str:
        saved = len(self._offsets) - 1
        if i >= saved:
            return self._recent[i - saved]
        return bytes(self._blob[self._offsets[i] : self._offsets[i + 1]]).decode("utf-8")

    def append(self, text: str) -> None:
        """Add a text at the end."""
        self._recent.append(text)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(blob, offsets) covering every text, for saving."""
        if not self._recent:
            return self._blob, self._offsets
        encoded = [t.encode("utf-8") for t in self._recent]
        lengths = np.fromiter((len(e) for e in encoded), np.int64, len(encoded))
        offsets = np.concatenate([self._offsets, self._offsets[-1] + np.cumsum(lengths)])
        blob = np.concatenate([self._blob, np.frombuffer(b"".join(encoded), np.uint8)])
        return blob, offsets
