"""Private package behind :mod:`salesorder.invoicing`: import from the face, not from here."""
