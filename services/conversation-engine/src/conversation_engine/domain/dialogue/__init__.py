"""The multi-turn dialogue: pure, table-driven state machines, one module per flow.

``respond(turn)`` (``respond.py``) is the entry: it routes a message to the customer flow
(``customer.py``, with the enquiry sub-flow in ``enquiry.py``) or the staff flow
(``staff.py``) and returns an ``Outcome``: the context after the turn, and at most one
command to ask and one reply to send (``model.py``). Template names and their variables are
built in ``replies.py``; the texts live with the notifier (``templates/dialogue.toml``).
"""
