"""The core's handlers (its application services): one module per business area, each
function one use case.

They run inside the ``Call`` the API kit opens (tenant, transaction, clock, event writer),
so a state change and the events it causes commit together (the outbox).
"""
