"""Our padded brotli pages read by another decoder than ours: curl's, through Debian's libbrotli, from a live server.
(Apart from tests/core/test_compression.py, whose demo is kept in a transaction for the module that a live server's
flush could not run beside.)"""

from __future__ import annotations

import shutil
import subprocess

import pytest


@pytest.mark.django_db(transaction=True)
def test_another_brotli_decoder_reads_our_padded_pages(live_server):
    curl = shutil.which("curl")
    assert curl, "curl (Debian) decodes with its own libbrotli"
    for _ in range(5):
        result = subprocess.run(
            [
                curl,
                "-sS",
                "--fail",
                "--compressed",
                "-H",
                "Accept-Encoding: br",
                "-D",
                "-",
                f"{live_server.url}/login/",
            ],
            capture_output=True,
            check=True,
            timeout=30,
        )
        headers, _, page = result.stdout.partition(b"\r\n\r\n")
        assert b"content-encoding: br" in headers.lower()
        assert b"csrfmiddlewaretoken" in page
        assert page.rstrip().endswith(b"</html>")
