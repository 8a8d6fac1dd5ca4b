"""The package's layers, lowest first: a module imports only from its own layer or the
layers below it (imports inside functions count too).  A new module goes into the lowest
layer whose modules it needs; if it needs a higher one, move the shared piece down instead.

Also: the CLI is the only module that imports click, and it reaches the rest of sheetkit
through ``api`` (plus what it needs to print); and no test module imports another test
module (shared helpers live in tests/*.py without the test_ prefix, or in conftest)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "sheetkit"

LAYERS: list[tuple[str, set[str]]] = [
    ("model and plain values", {
        "__init__", "model", "problems", "a1", "wareki", "plain", "pages", "values", "rates",
        "ratings", "mention", "normalize", "messages", "findings", "serialize", "labels",
        "suffixes", "plan_checks", "keys", "codes", "model_paths", "sheet_texts", "jsontext",
        "parsed", "sheet_grammar", "strings_grammar", "memo"}),
    ("safe input, layouts, outputs", {
        "intake", "guard", "atomic", "workers", "soffice", "layout", "layout_check", "loader",
        "identity", "codec", "rating_schemes"}),
    ("reading workbooks", {"grid", "fastgrid", "cellxml", "reader", "subjects", "rating_data"}),
    ("checking", {"checks", "frames", "base_check", "validate"}),
    ("collecting returns", {"collect", "status"}),
    ("writing workbooks and publications", {
        "precheck", "writer", "annotate", "report_book", "opendata", "overview", "reminders",
        "rating_sheet"}),
    ("commands", {"merge", "publish"}),
    ("library API", {"api"}),
    ("command line", {"cli", "__main__"}),
]
LAYER_OF = {module: index for index, (_, modules) in enumerate(LAYERS) for module in modules}
# what cli may import besides api: how to print (and the default layout's name for --help)
CLI_MAY_IMPORT = {"api", "messages", "plain", "jsontext", "problems", "layout", "__init__"}


def imports(path: Path) -> tuple[set[str], set[str]]:
    """The sheetkit modules a file imports, and the other top-level packages it imports."""
    own, other = set(), set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != "sheetkit":
                other.add(parts[0])
            elif len(parts) > 1:
                own.add(parts[1])
            else:      # from sheetkit import model, __version__
                own |= {a.name if (PACKAGE / f"{a.name}.py").exists() else "__init__"
                        for a in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sheetkit":
                    own.add(parts[1] if len(parts) > 1 else "__init__")
                else:
                    other.add(parts[0])
    return own, other


def modules() -> dict[str, Path]:
    return {path.stem: path for path in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_a_layer():
    missing = sorted(set(modules()) - set(LAYER_OF))
    assert not missing, (f"modules in no layer of tests/test_layers.py: {missing}; add each to "
                         "the lowest layer whose modules it imports")
    assert not set(LAYER_OF) - set(modules()), "layers name modules that do not exist"


def test_no_module_imports_from_a_layer_above_its_own():
    backward = []
    for name, path in modules().items():
        for used in sorted(imports(path)[0] - {name}):
            if used in LAYER_OF and LAYER_OF[used] > LAYER_OF.get(name, len(LAYERS)):
                backward.append(f"{name} ({LAYERS[LAYER_OF[name]][0]}) imports {used} "
                                f"({LAYERS[LAYER_OF[used]][0]})")
    assert not backward, "imports against the layer order:\n" + "\n".join(backward)


def test_only_the_cli_imports_click_and_it_goes_through_the_api():
    clickers = sorted(name for name, path in modules().items() if "click" in imports(path)[1])
    assert clickers == ["cli"]
    assert imports(PACKAGE / "cli.py")[0] <= CLI_MAY_IMPORT, imports(PACKAGE / "cli.py")[0]


def test_tests_import_no_other_test_module():
    found = sorted(f"{path.name} imports {name}" for path in (ROOT / "tests").glob("*.py")
                   for name in imports(path)[1] if name.startswith("test_"))
    assert not found, "move what is shared into a helper module:\n" + "\n".join(found)


def test_the_check_sees_a_backward_import(tmp_path):
    """The parser finds imports in functions and in every form, or the test above proves nothing."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom sheetkit import model, __version__\n"
                      "def f():\n    from sheetkit.writer import write_summary\n"
                      "    import sheetkit.merge\n    import click\n"
                      "    from test_validate import edit\n", "utf-8")
    assert imports(sample) == ({"model", "__init__", "writer", "merge"},
                               {"os", "click", "test_validate"})
