"""Bulk intake of orders from spreadsheets and CSV files (public face: ``salesorder.intake``)."""
