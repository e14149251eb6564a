"""Understanding a customer's free text: which tour, how many people, and when.

Pure functions (no I/O). Each part is found on its own, by its own module:
``tours`` (fuzzy match against the catalogue), ``party`` (party size) and ``when``
(travel month or date). A message is an enquiry only when a tour is recognised.
"""

from conversation_engine.domain.understanding.enquiry import Enquiry, understand_enquiry
from conversation_engine.domain.understanding.party import party_size
from conversation_engine.domain.understanding.tours import TourEntry, TourMatch, match_tour
from conversation_engine.domain.understanding.when import TravelTime, travel_time

__all__ = [
    "Enquiry",
    "TourEntry",
    "TourMatch",
    "TravelTime",
    "match_tour",
    "party_size",
    "travel_time",
    "understand_enquiry",
]
