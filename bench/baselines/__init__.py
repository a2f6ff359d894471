"""The baselines `make bench` compares our api with: the same three routes
(`GET /v1/products/{id}`, `GET /v1/products`, `GET /v1/health`) built with
Powertools, Chalice, FastAPI + Mangum, a bare standard-library handler, and
a naive version of our own handler.

Each module is a Lambda handler module, written the way its framework's
documentation shows (heavy init at module level). bench/package.py ships
each as `baselines/<module>.py` in its own function zip, next to a layer
holding its framework's runtime closure; they import each other relatively
so the same files also import as `bench.baselines` from the checkout.
Every database-backed baseline reads its config from SSM and its password
from Secrets Manager, and runs the same Core queries over TLS as ours.
The module-level `repo` is what the warm-routing benchmark replaces with
an in-memory row, so routing and JSON are measured without a database.
"""
