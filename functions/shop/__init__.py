"""The shop's Lambda application: products, orders and their notifications.

Nothing here builds, deploys or emulates anything; those live outside
`functions/` and meet this package only through plain data (the contract,
functions.json, the manifest).
"""
