"""Kiosk mode."""
