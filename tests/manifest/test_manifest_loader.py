"""The position-recording YAML loader."""

from __future__ import annotations

from pathlib import Path

from manifest_cli import write

from reconciler.manifest.loader import Position, discover, load_file, load_text, load_tree

SOURCE = """\
apiVersion: sesctl/v1
kind: ConfigurationSet
metadata:
  name: marketing
spec:
  deliveryOptions: {tlsPolicy: REQUIRE, maxDeliverySeconds: 600}
  tags:
    - a
    - "b"
  html: |
    <p>Hello {{user.name}}</p>
    <p>Bye</p>
---
kind: EmailTemplate
"""


def test_positions_of_mappings_keys_and_scalars() -> None:
    docs, problems = load_text(SOURCE, "f.yaml")
    assert problems == []
    source = docs[0].source
    assert source.locate(()) == Position("f.yaml", 1, 1)
    assert source.locate(("metadata", "name")) == Position("f.yaml", 4, 9)
    assert source.locate_key(("metadata", "name")) == Position("f.yaml", 4, 3)
    assert source.locate(("spec", "deliveryOptions")) == Position("f.yaml", 6, 20)
    assert source.locate(("spec", "deliveryOptions", "maxDeliverySeconds")) == Position("f.yaml", 6, 61)
    assert source.locate(("spec", "tags", 0)) == Position("f.yaml", 8, 7)
    assert source.locate(("spec", "tags", 1)) == Position("f.yaml", 9, 7)


def test_missing_paths_fall_back_to_the_nearest_ancestor() -> None:
    docs, _ = load_text(SOURCE, "f.yaml")
    source = docs[0].source
    assert source.locate(("spec", "deliveryOptions", "nope", 3)) == source.locate(("spec", "deliveryOptions"))
    assert source.locate(("nothing",)) == source.locate(())


def test_positions_inside_strings() -> None:
    docs, _ = load_text(SOURCE, "f.yaml")
    source = docs[0].source
    # Literal block: line 2, column 4 of the template is on file line 12, column 4 + indent.
    assert source.locate_in_string(("spec", "html"), 1, 10) == Position("f.yaml", 11, 14)
    assert source.locate_in_string(("spec", "html"), 2, 4) == Position("f.yaml", 12, 8)
    # Quoted scalar: the column counts from after the quote.
    assert source.locate_in_string(("spec", "tags", 1), 1, 1) == Position("f.yaml", 9, 8)


def test_several_documents_and_empty_ones() -> None:
    docs, problems = load_text(SOURCE + "---\n---\n", "f.yaml")
    assert problems == []
    assert [d.data.get("kind") for d in docs] == ["ConfigurationSet", "EmailTemplate"]
    assert docs[1].source.locate(("kind",)) == Position("f.yaml", 14, 7)


def test_plain_data_like_safe_load() -> None:
    docs, _ = load_text("a: &x {b: [1, 2.5, true, null, '3']}\nc: *x\nd:\n  <<: *x\n  e: 1\n", "f.yaml")
    assert docs[0].data == {
        "a": {"b": [1, 2.5, True, None, "3"]},
        "c": {"b": [1, 2.5, True, None, "3"]},
        "d": {"b": [1, 2.5, True, None, "3"], "e": 1},
    }
    assert type(docs[0].data) is dict


def test_malformed_yaml_is_a_diagnostic_with_position() -> None:
    docs, problems = load_text("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml")
    assert docs == []
    assert len(problems) == 1
    assert problems[0].code == "E1001"
    assert (problems[0].file, problems[0].line) == ("bad.yaml", 3)
    assert problems[0].column > 0


def test_documents_before_a_syntax_error_are_kept() -> None:
    docs, problems = load_text("a: 1\n---\nb: [\n", "bad.yaml")
    assert [d.data for d in docs] == [{"a": 1}]
    assert [p.code for p in problems] == ["E1001"]


def test_duplicate_keys_are_errors() -> None:
    _, problems = load_text("spec:\n  a: 1\n  a: 2\n", "dup.yaml")
    assert [(p.code, p.line, p.column, p.field) for p in problems] == [("E1003", 3, 3, "spec.a")]


def test_tabs_and_control_characters_do_not_raise() -> None:
    _, problems = load_text("a:\n\tb: 1\n", "tab.yaml")
    assert problems and problems[0].code == "E1001" and problems[0].line == 2
    _, problems = load_text("a: \x07\n", "ctl.yaml")
    assert problems and problems[0].code == "E1001"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    docs, problems = load_file(path)
    assert docs == [] and problems[0].code == "E1001" and "UTF-8" in problems[0].summary


def test_discover_any_tree_skipping_hidden(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.yaml": "a: 1\n",
            "sub/deeper/b.yml": "b: 2\n",
            "sub/notes.txt": "not yaml",
            ".hidden/c.yaml": "c: 3\n",
            "sub/.d.yaml": "d: 4\n",
        },
    )
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["a.yaml", "sub/deeper/b.yml"]
    docs, problems = load_tree(tmp_path)
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert problems == []


def test_missing_path(tmp_path: Path) -> None:
    docs, problems = load_tree(tmp_path / "nope")
    assert docs == [] and problems[0].code == "E1004"
