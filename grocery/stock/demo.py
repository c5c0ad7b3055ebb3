"""Demo data for the stock."""
