"""S3-compatible object storage for uploaded files (settings.STORAGES when S3_BUCKET is set).

A module of its own: boto3 takes most of a second to import, which processes that keep files locally skip.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from storages.backends.s3 import S3Storage


class ObjectStorage(S3Storage):
    """django-storages' S3 storage, with URLs for the address browsers use.

    Inside the stack the servers reach object storage at one address (http://minio:9000) while browsers reach
    it at another (the public proxy): `public_endpoint_url` is the second. A signed URL is computed locally
    (no request), and its signature covers the host, so it must be made for the address it will be used on.
    """

    object_storage = True

    def get_default_settings(self) -> dict[str, Any]:
        return {**super().get_default_settings(), "public_endpoint_url": None}

    @cached_property
    def _url_client(self) -> Any:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        config = self.client_config
        if not self.querystring_auth:
            config = config.merge(Config(signature_version=UNSIGNED))
        session = boto3.Session(aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)
        return session.client(
            "s3",
            region_name=self.region_name,
            endpoint_url=self.public_endpoint_url or self.endpoint_url,
            config=config,
        )

    def url(
        self, name: str, parameters: dict[str, str] | None = None, expire: int | None = None, http_method: Any = None
    ) -> str:
        params = {**(parameters or {}), "Bucket": self.bucket_name, "Key": self._normalize_name(name)}
        return self._url_client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )
