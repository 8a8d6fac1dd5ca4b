"""sheetkit: review sheets (総括表) of Japanese municipal comprehensive plans."""

__version__ = "0.1.0"
