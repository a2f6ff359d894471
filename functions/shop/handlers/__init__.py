"""Entry points of the report and migrate functions.

The api's entry point is shop.api, one package deep so that a keep-alive
costs the fewest imports; these two serve scheduled and deploy-time events,
where one more module does not count.
"""
