"""The log scan: no e-mail address of a person and no password in any log line.

Used on every test of the functional tier (its captured stdout, stderr and
log records) and on every log line of the drills' local stack (the
functions' own lines included). The shop's own mailboxes (a stage's sender
and report recipients, `*@shop.example.com`) are not personal data; every
other address is. Passwords are the test servers' and every value the
functions registered for redaction (shop.logs.redact) in this process.
"""

import re

EMAIL = re.compile(  # bounded, so a long line without "@" is not quadratic
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"
)
SHOP_MAILBOXES = re.compile(r"@(dev\.|qa\.)?shop\.example\.com$")


def findings(text: str, *, passwords=()) -> list[str]:
    """Return each offending line (shortened) of `text`: a person's address or a password."""
    from shop import logs

    secrets = {p for p in (*passwords, *logs._secrets) if p and len(p) >= 4}
    found = []
    for line in text.splitlines():
        found_here = EMAIL.findall(line) if "@" in line else []
        people = [a for a in found_here if not SHOP_MAILBOXES.search(a)]
        leaked = [s for s in secrets if s in line]
        if people or leaked:
            what = ", ".join([*people, *("<a password>" for _ in leaked)])
            found.append(f"{what}: {line[:200]}")
    return found
