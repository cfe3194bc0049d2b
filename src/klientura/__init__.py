"""Klientura: an open-source CRM-marketing platform."""

__version__ = "0.1.0"
