"""The S3-compatible ``MediaStore`` (AWS S3, MinIO, Ceph, R2, ...) on aiobotocore.

A stream of unknown length is uploaded in parts (multipart upload) so memory stays bounded
by one part; a stream that fits in one part is a single PutObject. A failed stream aborts
the multipart upload, so nothing (not even invisible parts) is left behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from botocore.exceptions import ClientError

from webhook_adapter.adapters.media.store import CHUNK, MediaNotFound, check_key

PART_SIZE = 8 * 1024 * 1024  # S3's minimum part is 5 MiB (all but the last)
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3MediaStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self._prefix + check_key(key)

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        object_key = self._key(key)
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                buffer += chunk
                if len(buffer) >= PART_SIZE:
                    if upload_id is None:
                        created = await self._client.create_multipart_upload(
                            Bucket=self._bucket, Key=object_key, ContentType=content_type
                        )
                        upload_id = created["UploadId"]
                    parts.append(await self._part(object_key, upload_id, len(parts) + 1, buffer))
                    buffer = bytearray()
            if upload_id is None:
                await self._client.put_object(
                    Bucket=self._bucket,
                    Key=object_key,
                    Body=bytes(buffer),
                    ContentType=content_type,
                )
                return
            if buffer:
                parts.append(await self._part(object_key, upload_id, len(parts) + 1, buffer))
            await self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=object_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    await self._client.abort_multipart_upload(
                        Bucket=self._bucket, Key=object_key, UploadId=upload_id
                    )
            raise

    async def _part(
        self, object_key: str, upload_id: str, number: int, data: bytearray
    ) -> dict[str, Any]:
        answer = await self._client.upload_part(
            Bucket=self._bucket,
            Key=object_key,
            UploadId=upload_id,
            PartNumber=number,
            Body=bytes(data),
        )
        return {"ETag": answer["ETag"], "PartNumber": number}

    async def get(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.stream(key)])

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        try:
            answer = await self._client.get_object(Bucket=self._bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise MediaNotFound(key) from None
            raise
        body = answer["Body"]
        try:
            while chunk := await body.read(CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self._bucket, Key=self._key(key))
