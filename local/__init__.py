"""The local stack behind `make dev`: the whole system on one machine.

A local API Gateway built from `api/openapi.yaml`, the real handlers in
Lambda-like worker processes, moto in server mode for AWS, SQLite (or
MariaDB) and the storefront. This package never imports `shop` or
`warmer`: it meets them only through plain data (the contract,
`functions/functions.json`, the tfvars) and through the handlers' entry
points, which it runs in separate processes as Lambda would.
"""
