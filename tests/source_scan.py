"""Helpers for the tests that scan sheetkit's own source (test_keys, test_labels)."""

from __future__ import annotations

import ast


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring constants in ``tree``: text about code, not code."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found
