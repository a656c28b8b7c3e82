"""The last board each competition loaded in this process, so the next sync compares in memory.

An entry is used only while the store still says the competition holds that download (its content hash):
a sync by another process, a restore or a reset changes the hash, and the loader then compares against
the store instead. A download of the same content parses to the same rows, so the hash is enough.
Entries are dropped oldest first past a memory budget; a board bigger than a quarter of it is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pyarrow costs 100 ms of start-up; `sync --all` with nothing due never needs it
    import pyarrow as pa

MAX_BYTES = 256 * 1024 * 1024

Key = tuple[str, str]  # (store, competition slug)


class BoardCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, tuple[str, pa.Table]] = OrderedDict()

    def get(self, key: Key, content_hash: str | None) -> pa.Table | None:
        """The board if it is the one the store holds now, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or content_hash is None or entry[0] != content_hash:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Key, content_hash: str, board: pa.Table) -> None:
        with self._lock:
            self._entries.pop(key, None)
            if board.nbytes * 4 > self._max_bytes:
                return
            self._entries[key] = (content_hash, board)
            while sum(table.nbytes for _, table in self._entries.values()) > self._max_bytes:
                self._entries.popitem(last=False)

    def forget(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


BOARDS = BoardCache()
