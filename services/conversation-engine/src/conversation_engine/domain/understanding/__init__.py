"""Understanding free text: a customer's enquiry (which tour, how many people, when), the
references people type, the field staff's commands, and short dialogue answers.

Pure functions (no I/O), one concern per module: ``tours`` (fuzzy match against the
catalogue), ``party`` (party size), ``when`` (travel month or date), ``commands`` (the staff
grammar), ``intents`` (yes/no, menu choices, help, greetings, incident severity). Booking and
trip references are read by ``waops_contracts.references``, which the core and the
orchestrator share. ``port`` is how the dialogue asks for an
enquiry; ``conversation_engine.adapters.llm_understanding`` puts a language model in front of
the rules (it does I/O, so it is an adapter of that port).
"""

from waops_contracts.references import booking_reference, trip_reference

from conversation_engine.domain.understanding.commands import StaffCommand, parse_staff_command
from conversation_engine.domain.understanding.enquiry import Enquiry, understand_enquiry
from conversation_engine.domain.understanding.intents import (
    MenuOption,
    is_greeting,
    is_help,
    menu_choice,
    severity_of,
    yes_no,
)
from conversation_engine.domain.understanding.party import party_size
from conversation_engine.domain.understanding.port import RuleBasedUnderstanding, Understander
from conversation_engine.domain.understanding.tours import TourEntry, TourMatch, match_tour
from conversation_engine.domain.understanding.when import TravelTime, travel_time

__all__ = [
    "Enquiry",
    "MenuOption",
    "RuleBasedUnderstanding",
    "StaffCommand",
    "TourEntry",
    "TourMatch",
    "TravelTime",
    "Understander",
    "booking_reference",
    "is_greeting",
    "is_help",
    "match_tour",
    "menu_choice",
    "parse_staff_command",
    "party_size",
    "severity_of",
    "travel_time",
    "trip_reference",
    "understand_enquiry",
    "yes_no",
]
