"""Uploads are checked before anything is stored: wrong type, too big, decompression bombs -> a clear 400."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Certificate, ProductImage
from tests.catalog.factories import jpeg_upload, png_upload

pytestmark = pytest.mark.django_db


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be width × height pixels (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def upload(api, user, product, file):
    return api(user).post(
        f"/api/v1/products/{product.pk}/images/", {"image": file}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_photo_is_stored_reencoded_with_a_thumbnail(api, coop_owner, rice, stored_files):
    response = upload(api, coop_owner, rice, png_upload((2400, 1800)))
    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get()
    assert (image.width, image.height) == (1600, 1200)  # at most 1600 px
    with image.thumbnail.open("rb") as handle:
        assert Image.open(handle).size == (400, 400)
    rice.refresh_from_db()
    assert rice.cover_thumbnail == image.thumbnail.name
    assert len(stored_files()) == 2
    served = api(None).get(response.json()["thumbnail_url"])
    assert served.status_code == 200
    assert served["Cache-Control"].startswith("public")
    again = api(None).get(response.json()["thumbnail_url"], HTTP_IF_NONE_MATCH=served["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            SimpleUploadedFile("photo.jpg", b"this is not a photo at all", content_type="image/jpeg"),
            "JPEG, PNG or WebP",
        ),
        (SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"), "JPEG, PNG or WebP"),
        (SimpleUploadedFile("bomb.png", png_header_only(30000, 30000), content_type="image/png"), "too many pixels"),
        (SimpleUploadedFile("wide.png", png_header_only(12000, 400), content_type="image/png"), "too many pixels"),
        (jpeg_upload((200, 200)), "too small"),
        (
            SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff\xe0" + b"0" * (9 * 1024 * 1024), content_type="image/jpeg"),
            "larger than",
        ),
        (
            SimpleUploadedFile("cut.png", png_upload((800, 600)).read()[:200], content_type="image/png"),
            "could not be read",
        ),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_stored(api, coop_owner, rice, stored_files, file, message):
    response = upload(api, coop_owner, rice, file)
    assert response.status_code == 400
    body = response.json()["error"]
    assert message in " ".join(body["fields"]["image"])
    assert not ProductImage.objects.exists()
    assert stored_files() == []


def test_photos_are_removed_with_their_files(api, coop_owner, rice, stored_files, django_capture_on_commit_callbacks):
    image_id = upload(api, coop_owner, rice, jpeg_upload()).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api(coop_owner).delete(f"/api/v1/products/{rice.pk}/images/{image_id}/")
    assert response.status_code == 204
    assert stored_files() == []
    rice.refresh_from_db()
    assert rice.cover_thumbnail == ""


def test_certificate_scans_must_be_pdf_or_image(api, cooperative, coop_owner, stored_files):
    data = {
        "kind": "vietgap",
        "number": "VG-1",
        "issuer": "Sở NN&MT",
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
        "scope": "cooperative",
    }
    bad = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = api(coop_owner).post(
        "/api/v1/certificates/", {**data, "scan": bad}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "PDF, JPEG or PNG" in " ".join(response.json()["error"]["fields"]["scan"])
    assert not Certificate.objects.exists()
    assert stored_files() == []
    out = io.BytesIO()
    Image.new("RGB", (1200, 1600), "white").save(out, "JPEG")
    good = SimpleUploadedFile("scan.jpg", out.getvalue(), content_type="image/jpeg")
    response = api(coop_owner).post("/api/v1/certificates/", {**data, "scan": good}, format="multipart")
    assert response.status_code == 201, response.json()
    # The scan lives outside the public media folder and is served only to its cooperative and staff.
    assert [p.parts[-3:-1] for p in stored_files()] == [("catalog", "certificates")]
    assert "private" in stored_files()[0].parts
    assert api(coop_owner).get(response.json()["scan_url"]).status_code == 200
    assert api(None).get(response.json()["scan_url"]).status_code in (401, 403)


def test_a_cut_off_photo_is_refused_after_the_process_has_rendered_a_pdf(api, coop_owner, rice, stored_files):
    """Importing WeasyPrint (any invoice or report PDF) turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole
    process; a damaged photo must still be refused."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    cut = SimpleUploadedFile("cut.png", png_upload((800, 600)).read()[:200], content_type="image/png")
    response = upload(api, coop_owner, rice, cut)
    assert response.status_code == 400
    assert "could not be read" in " ".join(response.json()["error"]["fields"]["image"])
    assert stored_files() == []
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as WeasyPrint wants it
