"""Enquiries and quotes: the customer hears back, the assigned sales rep hears of the lead."""

from __future__ import annotations

from typing import Any

from waops_contracts.events import LeadCreated, QuoteSent

from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style
from notifier.domain.notices import Notice, Person, ref, uses

ACKNOWLEDGED = uses("lead.acknowledged")
ASSIGNED = uses("lead.assigned")
QUOTE = uses("quote.sent")


def lead_variables(lead: LeadCreated) -> dict[str, Any]:
    rep = lead.assigned_to
    return {
        "reference": lead.reference,
        "customer_name": lead.customer_name or "",
        "customer": fmt.contact(lead.customer_name, lead.customer_phone),
        "tour_name": lead.tour_name or "",
        "party": fmt.people(lead.pax),
        "travel_month": fmt.month(lead.travel_month),
        "enquiry_text": (lead.enquiry_text or "").strip(),
        "rep_name": rep.name if rep else "",
        "no_rep": rep is None,
        # The follow-up questions, asked only for what the enquiry left out.
        "no_travel_month": not lead.travel_month,
        "no_party_size": not lead.pax,
    }


def lead_created(lead: LeadCreated, style: Style) -> list[Notice]:
    """The customer gets the reference, who follows up and what we still need to know;
    the assigned rep gets the new enquiry."""
    variables = lead_variables(lead)
    about = ref("LEAD", lead.lead_id, lead.reference)
    notices = [
        Notice(Person(lead.customer_phone, lead.customer_name), ACKNOWLEDGED, variables, about)
    ]
    if lead.assigned_to is not None:
        rep = lead.assigned_to
        notices.append(Notice(Person(rep.phone, rep.name), ASSIGNED, variables, about))
    return notices


def quote_variables(quote: QuoteSent, style: Style) -> dict[str, Any]:
    currency = quote.currency
    discounted = bool(quote.discounts)
    return {
        "reference": quote.reference,
        "customer_name": quote.customer_name or "",
        "tour_name": quote.tour_name,
        "dates": fmt.dates(quote.departure_start, quote.departure_end),
        "pax": quote.pax,
        "price_per_person": fmt.money(quote.price_per_person, currency),
        "subtotal": fmt.money(quote.subtotal, currency) if discounted else "",
        "discounts": "\n".join(
            f"{d.description}: -{fmt.money(d.amount, currency)}" for d in quote.discounts
        ),
        "total": fmt.money(quote.total, currency),
        "valid_until": fmt.moment(quote.valid_until, style.timezone),
        "rep_name": quote.sales_rep.name if quote.sales_rep else "",
    }


def quote_sent(quote: QuoteSent, style: Style) -> list[Notice]:
    """The customer gets the priced offer and how to take it (YES holds the spots)."""
    return [
        Notice(
            Person(quote.customer_phone, quote.customer_name),
            QUOTE,
            quote_variables(quote, style),
            ref("LEAD", quote.lead_id, quote.reference),
        )
    ]
