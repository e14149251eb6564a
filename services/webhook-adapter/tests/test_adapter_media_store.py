"""One contract for every MediaStore: the local directory and S3 (against moto's server, a
fake of the outside world that speaks S3's wire protocol)."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer
from webhook_adapter.adapters.media.s3 import PART_SIZE, S3MediaStore
from webhook_adapter.adapters.media.store import (
    InvalidKey,
    LocalMediaStore,
    MediaNotFound,
    MediaStore,
)


class Boom(Exception):
    pass


async def chunks_of(data: bytes, size: int = 64 * 1024, fail_after: int | None = None) -> Any:
    """``data`` in chunks; raises Boom once ``fail_after`` bytes were yielded."""
    sent = 0
    for start in range(0, len(data), size):
        if fail_after is not None and sent >= fail_after:
            raise Boom("the source broke mid-stream")
        chunk = data[start : start + size]
        sent += len(chunk)
        yield chunk
    if fail_after is not None:
        raise Boom("the source broke at the end")


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def s3_bucket(moto_url: str) -> AsyncIterator[tuple[Any, str]]:
    """A client on moto's S3 and a bucket of the test's own."""
    async with get_session().create_client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as client:
        bucket = f"waops-media-{uuid.uuid4().hex[:12]}"
        await client.create_bucket(Bucket=bucket)
        yield client, bucket


@pytest_asyncio.fixture
async def s3(moto_url: str) -> AsyncIterator[tuple[Any, str]]:
    async with s3_bucket(moto_url) as found:
        yield found


@pytest_asyncio.fixture(params=["local", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, moto_url: str
) -> AsyncIterator[MediaStore]:
    if request.param == "local":
        yield LocalMediaStore(tmp_path / "media")
    else:
        async with s3_bucket(moto_url) as (client, bucket):
            yield S3MediaStore(client, bucket, prefix="inbound/")


async def test_what_is_put_is_read_back_whole_and_streamed(store: MediaStore) -> None:
    data = bytes(range(256)) * 1000
    await store.put("media_a", chunks_of(data), content_type="image/png")
    assert await store.get("media_a") == data
    streamed = [chunk async for chunk in store.stream("media_a")]
    assert b"".join(streamed) == data and len(streamed) > 1  # not one buffer


async def test_a_stream_larger_than_one_part_round_trips(store: MediaStore) -> None:
    data = hashlib.sha256(b"seed").digest() * ((PART_SIZE + 1_000_000) // 32)
    await store.put("media_big", chunks_of(data, 1024 * 1024), content_type="video/mp4")
    assert hashlib.sha256(await store.get("media_big")).digest() == hashlib.sha256(data).digest()


async def test_put_replaces_and_delete_removes(store: MediaStore) -> None:
    await store.put("media_b", chunks_of(b"first"), content_type="text/plain")
    await store.put("media_b", chunks_of(b"second"), content_type="text/plain")
    assert await store.get("media_b") == b"second"
    await store.delete("media_b")
    await store.delete("media_b")  # absent is fine
    with pytest.raises(MediaNotFound):
        await store.get("media_b")


async def test_unknown_keys_are_not_found(store: MediaStore) -> None:
    with pytest.raises(MediaNotFound):
        await store.get("media_never")
    with pytest.raises(MediaNotFound):
        async for _ in store.stream("media_never"):
            pass


@pytest.mark.parametrize("size", [10_000, PART_SIZE + 500_000])
async def test_a_broken_stream_stores_nothing(store: MediaStore, size: int) -> None:
    await store.put("media_c", chunks_of(b"old"), content_type="text/plain")
    with pytest.raises(Boom):
        await store.put(
            "media_c", chunks_of(b"x" * size, 256 * 1024, fail_after=size // 2), content_type="x/y"
        )
    assert await store.get("media_c") == b"old"  # the earlier object is untouched
    with pytest.raises(Boom):
        await store.put("media_d", chunks_of(b"y" * size, fail_after=size), content_type="x/y")
    with pytest.raises(MediaNotFound):
        await store.get("media_d")


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "a/../../b", ".hidden", "", "a//b"])
async def test_keys_cannot_leave_the_store(store: MediaStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        await store.put(key, chunks_of(b"x"), content_type="text/plain")
    with pytest.raises(InvalidKey):
        await store.get(key)


async def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    local = LocalMediaStore(tmp_path)
    await local.put("media_e", chunks_of(b"ok"), content_type="text/plain")
    with pytest.raises(Boom):
        await local.put("media_f", chunks_of(b"z" * 1000, 100, fail_after=500), content_type="x/y")
    assert files_in(tmp_path) == ["media_e"]


async def test_s3_objects_sit_under_the_prefix_and_aborted_uploads_are_cleaned(
    s3: tuple[Any, str],
) -> None:
    client, bucket = s3
    remote = S3MediaStore(client, bucket, prefix="/tenants/demo/")
    await remote.put("media_g", chunks_of(b"hello"), content_type="image/jpeg")
    head = await client.head_object(Bucket=bucket, Key="tenants/demo/media_g")
    assert head["ContentType"] == "image/jpeg" and head["ContentLength"] == 5
    size = PART_SIZE * 2
    with pytest.raises(Boom):
        await remote.put(
            "media_h", chunks_of(b"q" * size, 1024 * 1024, fail_after=size - 1), content_type="x/y"
        )
    uploads = await client.list_multipart_uploads(Bucket=bucket)
    assert uploads.get("Uploads", []) == []
