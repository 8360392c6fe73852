"""善治 Shanzhi: grassroots social governance."""

__version__ = "0.1.0"
