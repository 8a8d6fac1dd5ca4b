"""Bundled layouts: one YAML file per 総括表 layout (data, read with importlib.resources)."""
