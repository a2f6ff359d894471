"""The rehearsal tier: a real terraform apply against a local moto server."""


def pytest_configure(config):
    # Registered here until pyproject.toml lists it with the other markers.
    config.addinivalue_line(
        "markers", "rehearsal: applies a stage to a local moto server (about 4-5 minutes)"
    )
