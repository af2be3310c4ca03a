"""The installable app: a web app manifest with our own icons and a Vietnamese name, and a service worker
served from the root with the scope of the whole site, listing the files it keeps under their served names."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_in_vietnamese_and_its_icons_are_ours_and_the_right_size(client: Client):
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="vi")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Market Link — hợp tác xã, giao thương và hội chợ"
    assert manifest["lang"] == "vi"
    assert (manifest["display"], manifest["start_url"], manifest["scope"]) == ("standalone", "/", "/")
    assert manifest["theme_color"] == "#1f6f4a"
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def test_the_service_worker_controls_the_whole_site_and_is_never_kept_stale(client: Client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    config = json.loads(re.search(r"const CONFIG = (\{.*\});", response.content.decode()).group(1))
    assert "/static/frontend/app.css" in config["shell"]
    assert "/static/frontend/vendor/jsQR.js" in config["shell"]
    assert "/static/frontend/offline-form.js" in config["shell"]
    assert "/offline/" in config["shell"]
    assert any(re.match(p, "/staff/fairs/hoi-cho/check-in/") for p in config["offlinePages"])
    assert any(re.match(p, "/supply/intakes/new/") for p in config["offlinePages"])
    assert any(re.match(p, "/contracts/call-offs/12/intake/") for p in config["offlinePages"])
    assert not any(re.match(p, "/contracts/call-offs/12/") for p in config["offlinePages"])
    assert not any(re.match(p, "/orders/1/") for p in config["offlinePages"])
    offline = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Không có mạng" in offline


def test_the_service_worker_is_served_under_hashed_static_names(client: Client, settings, tmp_path):
    """Production's manifest storage has no name for the static folder itself: the worker's prefix is
    STATIC_URL (asking the storage for '' was a 500 on every page load in production)."""
    from frontend.views.pwa import SHELL

    paths = {path: path.replace(".", ".0123456789ab.", 1) for path in SHELL}
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1", "hash": "0"}))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    response = client.get("/sw.js")
    assert response.status_code == 200
    config = json.loads(re.search(r"const CONFIG = (\{.*\});", response.content.decode()).group(1))
    assert config["staticPrefix"] == "/static/"
    assert "/static/frontend/app.0123456789ab.css" in config["shell"]
