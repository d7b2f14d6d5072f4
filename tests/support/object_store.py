"""An S3-compatible object store for the tests: moto's server mode on loopback.

No real S3 server installs from the package registries we reach (Debian packages no MinIO,
Garage or SeaweedFS), so the S3 backend is tested against moto's server, which speaks S3's
HTTP API: the backend runs its real boto3 client over real HTTP to a stand-in at the network's
edge. ``leftovers(storage)`` lists everything a backend holds, finished or not, so a test can
say "nothing was stored".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from portal.drawings.local import LocalStorage
from portal.drawings.s3 import S3Storage
from portal.settings import Settings
from tests.support.servers import LOOPBACK

ACCESS_KEY_ID = "testing-access-key"
SECRET_ACCESS_KEY = "testing-secret-key"
REGION = "us-east-1"


@dataclass
class MotoS3:
    """moto's S3 server in a thread of the test process, on a free loopback port."""

    server: Any = None
    _client: Any = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
        self.server.start()

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
        self.server.stop()

    @property
    def endpoint_url(self) -> str:
        host, port = self.server.get_host_and_port()
        return f"http://{host}:{port}"

    def settings(self, bucket: str) -> dict[str, str]:
        """``Settings`` overrides that point the portal's S3 backend at ``bucket`` here."""
        return {
            "drawings_storage": "s3",
            "s3_endpoint_url": self.endpoint_url,
            "s3_bucket": bucket,
            "s3_region": REGION,
            "s3_access_key_id": ACCESS_KEY_ID,
            "s3_secret_access_key": SECRET_ACCESS_KEY,
            "s3_addressing_style": "path",
        }

    def client(self) -> Any:
        """One client for the whole session: making a boto3 client takes the better part of a
        second (it loads the service's model), which per test would be most of the run."""
        if self._client is None:
            self._client = S3Storage.from_settings(Settings(**self.settings("unused"))).client
        return self._client

    def storage(self, bucket: str) -> S3Storage:
        """The S3 backend on ``bucket``, with the portal's own client configuration."""
        return S3Storage(self.client(), bucket, prefix="drawings/")

    def admin_client(self) -> Any:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )

    def new_bucket(self) -> str:
        """A fresh, empty bucket for one test."""
        name = f"drawings-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name


def leftovers(storage: Any) -> list[str]:
    """Everything ``storage`` holds: committed objects, and unfinished writes marked as such."""
    if isinstance(storage, LocalStorage):
        if not storage.directory.exists():
            return []
        return sorted(
            str(path.relative_to(storage.directory))
            for path in storage.directory.rglob("*")
            if path.is_file()
        )
    assert isinstance(storage, S3Storage)
    client, bucket = storage.client, storage.bucket
    found = [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return sorted(found + [f"{upload['Key']} (unfinished upload)" for upload in uploads])
