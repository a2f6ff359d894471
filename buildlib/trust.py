"""The CA bundle the functions verify RDS Proxy with: Amazon's public roots.

RDS Proxy presents certificates issued through AWS Certificate Manager,
which chain to Amazon Root CA 1-4 (and, cross-signed, to Starfield Services
Root Certificate Authority - G2), not to the RDS CA the instance's own
certificate chains to
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.howitworks.html#rds-proxy-security.tls).
The functions trust exactly these five roots when they connect through the
proxy, not a whole public trust store.

The roots are taken from certifi, the Mozilla CA store pinned in
requirements-dev.txt, so writing the bundle needs no network and gives the
same bytes for the same pin.

    python -m buildlib.trust functions/shop/certs/amazon-root-cas.pem
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from buildlib import BuildError

AMAZON_ROOTS = (
    "Amazon Root CA 1",
    "Amazon Root CA 2",
    "Amazon Root CA 3",
    "Amazon Root CA 4",
    "Starfield Services Root Certificate Authority - G2",
)
_ENTRY = re.compile(
    r'^# Label: "(?P<label>[^"]+)"\n(?:#[^\n]*\n)*(?P<pem>-----BEGIN CERTIFICATE-----\n.*?'
    r"-----END CERTIFICATE-----\n)",
    re.MULTILINE | re.DOTALL,
)


def amazon_roots(store_text: str) -> str:
    """Return the PEM of the five Amazon roots found in a certifi store, in AMAZON_ROOTS order.

    Raises BuildError naming any root the store lacks.
    """
    found = {m["label"]: m["pem"] for m in _ENTRY.finditer(store_text)}
    missing = [label for label in AMAZON_ROOTS if label not in found]
    if missing:
        raise BuildError(
            f"the CA store lacks {', '.join(missing)}: reinstall the pinned certifi (make venv)"
        )
    return "".join(f"# {label}\n{found[label]}" for label in AMAZON_ROOTS)


def main(argv: list[str]) -> int:
    import certifi

    if len(argv) != 1:
        print("usage: python -m buildlib.trust <output.pem>", file=sys.stderr)
        return 2
    target = Path(argv[0])
    try:
        bundle = amazon_roots(Path(certifi.where()).read_text())
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(bundle)
    print(f"==> {target} ({len(AMAZON_ROOTS)} Amazon root CAs from certifi {certifi.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
