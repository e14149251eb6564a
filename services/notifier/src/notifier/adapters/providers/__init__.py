"""Outbound WhatsApp providers behind one interface (the provider seam)."""
