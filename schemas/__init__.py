"""Validation schemas: pandera schemas (YAML) and the rules that turn failed checks into findings."""
