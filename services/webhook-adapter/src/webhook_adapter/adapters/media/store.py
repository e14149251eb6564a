"""Where media bytes live: the ``MediaStore`` port and its local-directory implementation.

Keys are chosen by the adapter (the media ref), never by a sender, and are still checked:
plain segments of ``[A-Za-z0-9._-]`` not starting with a dot, so no key leaves the store.
A ``put`` is all or nothing: a reader never sees half a file, and a failed or aborted
write (e.g. the size limit hit mid-stream) leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Protocol

CHUNK = 64 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


class MediaNotFound(LookupError):
    pass


class InvalidKey(ValueError):
    pass


def check_key(key: str) -> str:
    if len(key) > 512 or not _KEY.match(key):
        raise InvalidKey(f"not a media store key: {key!r}")
    return key


class MediaStore(Protocol):
    """Bytes by key. Implementations: ``LocalMediaStore``, ``S3MediaStore``."""

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        """Store the stream under ``key`` (replacing it), or nothing if the stream raises."""

    async def get(self, key: str) -> bytes:
        """The whole object (for small reads and tests); ``MediaNotFound`` if absent."""

    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The object in chunks, without holding it in memory; ``MediaNotFound`` if absent
        (raised at the first iteration)."""

    async def delete(self, key: str) -> None:
        """Remove the object; absent is fine."""


class LocalMediaStore:
    """A directory; files written to a temporary name, flushed to disk, then renamed."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self._root / check_key(key)).resolve()
        if not path.is_relative_to(self._root):  # belt and braces over the key pattern
            raise InvalidKey(f"key escapes the store: {key!r}")
        return path

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        handle = await asyncio.to_thread(open, temp, "wb")
        try:
            try:
                async for chunk in chunks:
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(temp.unlink)
            raise

    async def get(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.stream(key)])

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise MediaNotFound(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)


def _flush(handle: object) -> None:
    handle.flush()  # type: ignore[attr-defined]
    os.fsync(handle.fileno())  # type: ignore[attr-defined]
