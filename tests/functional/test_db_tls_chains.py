"""Verified TLS to the database directly and through RDS Proxy, with both real chains.

Direct, the instance presents a certificate of the RDS CA and the functions
trust the RDS bundle (`database.client.ca_bundle`). Through RDS Proxy, the
proxy presents an ACM certificate chaining to Amazon's public roots (Amazon
Root CA 1-4, Starfield Services Root CA G2), which the RDS bundle does not
hold, so with `enable_proxy` Terraform gives the functions the Amazon-root
bundle instead (`database.client.proxy_ca_bundle`)
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.howitworks.html#rds-proxy-security.tls).

Both chains are generated locally and served by real MariaDB servers over
TLS: the session's server stands for the instance (its test CA is the "RDS
bundle"), a second one for the proxy, presenting a leaf and an intermediate
under a local "Amazon Root CA 1" with the client trusting the five local
roots only. The function's own code path is used: the api built from its
environment, and the SSLContext shop.db builds from SHOP_DB_CA_BUNDLE.
"""

import datetime
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from support.events import LambdaContext, load_event
from support.mariadb import MariaDB, TlsFiles

ROOT_NAMES = (
    "shop test Amazon Root CA 1",
    "shop test Amazon Root CA 2",
    "shop test Amazon Root CA 3",
    "shop test Amazon Root CA 4",
    "shop test Starfield Services Root Certificate Authority - G2",
)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool, san=None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _pem(*certificates) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def make_proxy_pki(directory: Path) -> tuple[TlsFiles, Path]:
    """Five roots, an intermediate under root 1, a leaf for 127.0.0.1.

    Returns the server's TLS files (its certificate file holds leaf and
    intermediate, as a proxy sends its chain) and the clients' root bundle.
    """
    directory.mkdir(parents=True)
    roots = []
    for cn in ROOT_NAMES:
        key = ec.generate_private_key(ec.SECP256R1())
        roots.append((key, _certificate(cn, cn, key.public_key(), key, ca=True)))
    root_key, root = roots[0]
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = _certificate(
        "shop test Amazon RSA 2048 M01",
        root.subject.rfc4514_string().removeprefix("CN="),
        intermediate_key.public_key(),
        root_key,
        ca=True,
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(
        "127.0.0.1",
        "shop test Amazon RSA 2048 M01",
        leaf_key.public_key(),
        intermediate_key,
        ca=False,
        san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
    )
    bundle = directory / "amazon-root-cas.pem"
    bundle.write_bytes(_pem(*(cert for _key, cert in roots)))
    files = TlsFiles(bundle, directory / "proxy-chain.pem", directory / "proxy-key.pem")
    files.cert.write_bytes(_pem(leaf, intermediate))
    files.key.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return files, bundle


@pytest.fixture(scope="module")
def proxy_endpoint(tmp_path_factory, mariadb_schema):
    """A MariaDB presenting the proxy's kind of chain; yields (server, Amazon-root bundle)."""
    base = tmp_path_factory.mktemp("proxy-like")
    tls, bundle = make_proxy_pki(base / "pki")
    server = MariaDB(base, tls=tls)
    server.start()
    with server.admin() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {mariadb_schema}")
    yield server, bundle
    server.stop()


def _health(make_api, **env) -> int:
    api = make_api(env)
    return api.handle(load_event("health"), LambdaContext("dev"))["statusCode"]


def _refusal(make_api, **env) -> BaseException | None:
    """Connect as the function does; return the root cause of a failure, or None."""
    api = make_api(env)
    try:
        with api.runtime.database.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # the cause chain is what is checked
        while exc.__cause__ is not None or exc.__context__ is not None:
            exc = exc.__cause__ or exc.__context__
        return exc
    return None


def _cipher(make_api, **env) -> str:
    api = make_api(env)
    with api.runtime.database.connect() as conn:
        return conn.exec_driver_sql("SHOW STATUS LIKE 'Ssl_cipher'").one()[1]


def test_direct_mode_trusts_the_rds_bundle_and_refuses_the_amazon_roots(
    make_api, mariadb, proxy_endpoint
):
    _server, amazon_roots = proxy_endpoint
    assert _health(make_api, SHOP_DB_CA_BUNDLE=str(mariadb.tls.ca)) == 200
    assert _cipher(make_api, SHOP_DB_CA_BUNDLE=str(mariadb.tls.ca)) != ""
    assert _health(make_api, SHOP_DB_CA_BUNDLE=str(amazon_roots)) == 503
    refused = _refusal(make_api, SHOP_DB_CA_BUNDLE=str(amazon_roots))
    assert isinstance(refused, ssl.SSLCertVerificationError), refused


def test_proxy_mode_trusts_the_amazon_roots_and_refuses_the_rds_bundle(
    make_api, mariadb, proxy_endpoint
):
    """GIVEN the function's environment with enable_proxy (the proxy's host and
    port, the Amazon-root bundle), THEN it connects over verified TLS through
    root 1's intermediate, and the RDS bundle of direct mode is refused."""
    server, amazon_roots = proxy_endpoint
    at_proxy = {"SHOP_DB_PORT": str(server.port)}
    assert _health(make_api, **at_proxy, SHOP_DB_CA_BUNDLE=str(amazon_roots)) == 200
    assert _cipher(make_api, **at_proxy, SHOP_DB_CA_BUNDLE=str(amazon_roots)) != ""
    assert _health(make_api, **at_proxy, SHOP_DB_CA_BUNDLE=str(mariadb.tls.ca)) == 503
    refused = _refusal(make_api, **at_proxy, SHOP_DB_CA_BUNDLE=str(mariadb.tls.ca))
    assert isinstance(refused, ssl.SSLCertVerificationError), refused


def test_the_proxy_chain_needs_its_intermediate_from_the_server(make_api, proxy_endpoint):
    """The bundle holds roots only: verification works because the server sends
    the intermediate, as RDS Proxy does; a bundle with only another root fails."""
    server, amazon_roots = proxy_endpoint
    other_roots = amazon_roots.parent / "roots-2-to-4.pem"
    pem = amazon_roots.read_text()
    blocks = pem.split("-----END CERTIFICATE-----\n")[:-1]
    other_roots.write_text("".join(b + "-----END CERTIFICATE-----\n" for b in blocks[1:]))
    env = {"SHOP_DB_PORT": str(server.port), "SHOP_DB_CA_BUNDLE": str(other_roots)}
    assert isinstance(_refusal(make_api, **env), ssl.SSLCertVerificationError)
    assert _health(make_api, **env) == 503
