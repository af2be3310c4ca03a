"""Uploaded files on S3-compatible object storage, against a local S3 server (moto, started as a process):
public product photos by plain URL, private files only through a permission check and a signed URL that
expires, both made for the address browsers use."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings

from market.core.object_storage import ObjectStorage
from market.core.storage import private_storage
from tests.catalog.factories import MINIMAL_PDF, make_certificate
from tests.factories import member

pytestmark = pytest.mark.django_db
KEY, SECRET = "test-access-key", "test-secret-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)  # noqa: S310 (loopback)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the local S3 server did not start") from None
                time.sleep(0.2)
        client = boto3.client(
            "s3", endpoint_url=url, aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name="us-east-1"
        )
        for bucket in ("market-media", "market-private"):
            client.create_bucket(Bucket=bucket)
        # As docker-compose.yml's `mc anonymous set download`: the public bucket is readable without signature.
        public_read = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::market-media/*",
                }
            ],
        }
        client.put_bucket_policy(Bucket="market-media", Policy=json.dumps(public_read))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def object_storage(s3_server: str) -> Iterator[str]:
    """Settings as docker-compose.yml gives them, with the public address on another host name."""
    public = s3_server.replace("127.0.0.1", "localhost")
    common = {
        "endpoint_url": s3_server,
        "public_endpoint_url": public,
        "access_key": KEY,
        "secret_key": SECRET,
        "region_name": "us-east-1",
        "addressing_style": "path",
        "signature_version": "s3v4",
        "querystring_expire": 120,
        "file_overwrite": False,
        "default_acl": None,
    }
    storages = {
        "default": {
            "BACKEND": "market.core.object_storage.ObjectStorage",
            "OPTIONS": {**common, "bucket_name": "market-media", "querystring_auth": False},
        },
        "private": {
            "BACKEND": "market.core.object_storage.ObjectStorage",
            "OPTIONS": {**common, "bucket_name": "market-private", "querystring_auth": True},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield public


def fetch(url: str) -> tuple[int, bytes, Message]:
    # The public host name resolves to the same loopback server.
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def test_a_public_photo_is_served_by_plain_url_from_object_storage(object_storage):
    name = default_storage.save("catalog/images/ab12cd34.jpg", ContentFile(b"\xff\xd8\xff photo bytes"))
    assert isinstance(default_storage, ObjectStorage)

    response = Client().get(f"/catalog-media/{name}")

    assert response.status_code == 301
    location = response["Location"]
    assert location.startswith(f"{object_storage}/market-media/catalog/images/")
    assert "X-Amz-Signature" not in location
    assert fetch(location)[:2] == (200, b"\xff\xd8\xff photo bytes")


def test_a_certificate_scan_goes_to_the_private_bucket_and_out_by_a_signed_expiring_url(
    object_storage, cooperative, staff_user
):
    certificate = make_certificate(cooperative)
    assert isinstance(private_storage(), ObjectStorage)
    assert private_storage().exists(certificate.scan.name)  # in the private bucket, not on local disk

    client = Client()
    client.force_login(staff_user)
    response = client.get(f"/api/v1/certificates/{certificate.pk}/scan/")

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == object_storage
    assert parts.path.startswith("/market-private/catalog/certificates/")
    assert query["X-Amz-Expires"] == ["120"]
    assert query["X-Amz-Signature"]
    status, body, headers = fetch(location)
    assert (status, body) == (200, MINIMAL_PDF)
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith('inline; filename="certificate-')
    # Without the signature the private bucket answers nothing.
    assert fetch(location.split("?")[0])[0] == 403


def test_a_private_file_is_not_handed_out_to_someone_else(object_storage, cooperative):
    certificate = make_certificate(cooperative, verified=False)
    from tests.factories import OrganisationFactory

    stranger = member(OrganisationFactory(name="HTX khác"), "owner")
    client = Client()
    client.force_login(stranger)

    response = client.get(f"/api/v1/certificates/{certificate.pk}/scan/")

    assert response.status_code == 404
    assert "Location" not in response
