"""The last board each competition loaded in this process, so the next sync compares in memory.

An entry is used only while the store still says the competition holds that download (its content hash):
a sync by another process, a restore or a reset changes the hash, and the loader then compares against
the store instead. A download of the same content parses to the same rows, so the hash is enough.
With the board goes its matched members (position, username_key) and the participants they were matched
against (a fingerprint), so a sync that changes no member rows and meets the same participants reuses them.
Entries are dropped oldest first past a memory budget; a board bigger than a quarter of it is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pyarrow costs 100 ms of start-up; `sync --all` with nothing due never needs it
    import pyarrow as pa

MAX_BYTES = 128 * 1024 * 1024  # Community Cloud gives an app about 1 GB; a 100,000-team board is 8 MB

Key = tuple[str, str]  # (store, competition slug)


@dataclass(frozen=True)
class Held:
    content_hash: str
    board: pa.Table
    matched: pa.Table
    participants: tuple

    @property
    def nbytes(self) -> int:
        return self.board.nbytes + self.matched.nbytes


class BoardCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, Held] = OrderedDict()

    def get(self, key: Key, content_hash: str | None) -> Held | None:
        """What this process loaded last, if it is the board the store holds now, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or content_hash is None or entry.content_hash != content_hash:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: Key, entry: Held) -> None:
        with self._lock:
            self._entries.pop(key, None)
            if entry.nbytes * 4 > self._max_bytes:
                return
            self._entries[key] = entry
            while sum(held.nbytes for held in self._entries.values()) > self._max_bytes:
                self._entries.popitem(last=False)

    def forget(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


BOARDS = BoardCache()
