"""The core's handlers (its application services): one module per business area, each
function one use case.

They run inside a ``UseCase`` (``handlers.context``: tenant, transaction, time, actor,
settings, event writer) a route builds from
the API kit's ``Call``, so a state change and the events it causes commit together (the
outbox).
"""
