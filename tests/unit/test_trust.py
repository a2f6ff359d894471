"""The Amazon root bundle RDS Proxy is verified with: exactly the five roots, nothing else."""

import ssl
from pathlib import Path

import certifi
import pytest

from buildlib import BuildError
from buildlib.trust import AMAZON_ROOTS, amazon_roots


def _common_name(name: tuple) -> str:
    return next(value for rdn in name for key, value in rdn if key == "commonName")


def test_the_bundle_holds_the_five_amazon_roots_as_self_signed_cas():
    bundle = amazon_roots(Path(certifi.where()).read_text())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=bundle)
    loaded = context.get_ca_certs()  # CA certificates only
    assert [_common_name(c["subject"]) for c in loaded] == list(AMAZON_ROOTS)
    assert all(c["subject"] == c["issuer"] for c in loaded), "each is a root"
    assert bundle.count("BEGIN CERTIFICATE") == 5


def test_a_store_without_an_amazon_root_is_refused_by_name():
    store = Path(certifi.where()).read_text().replace('# Label: "Amazon Root CA 3"', "# Label: x")
    with pytest.raises(BuildError, match="Amazon Root CA 3"):
        amazon_roots(store)
