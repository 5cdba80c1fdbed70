"""Reading job specs: plain data only, with one-line errors for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobrun_contracts import InputError
from jobrun_contracts.core.documents import expand, load, parse_json
from jobrun_contracts.core.documents import yaml as yaml_parser


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def test_json_lines_are_tracked(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", '{\n  "a": 1,\n  "b": {\n    "c": [\n      "x",\n      "y"\n    ]\n  }\n}')
    (document,) = load(path)
    assert document.data == {"a": 1, "b": {"c": ["x", "y"]}}
    assert document.line_of("/a") == 2 and document.line_of("/b/c/1") == 6
    assert document.line_of("/b/missing") == 3


def test_yaml_multi_documents_and_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "a: 1\n---\nb:\n  c: 2024-01-01\n")
    first, second = load(path)
    assert (first.index, second.index) == (1, 2)
    assert second.data == {"b": {"c": "2024-01-01"}}  # dates stay the strings written
    assert second.line_of("/b/c") == 4


def test_yaml_merge_keys_are_plain_data(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n")
    (document,) = load(path)
    assert document.data["derived"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.json", "", "empty document"),
        ("blank.yaml", "\n  \n", "empty document"),
        ("bytes.json", b"\xff\xfe{}", "not UTF-8"),
        ("broken.json", '{"a": ', "invalid JSON"),
        ("broken.yaml", "a: [1, 2\n", "invalid YAML"),
        ("dup.json", '{"a": 1,\n "a": 2}', "duplicate key 'a'"),
        ("dup.yaml", "a: 1\na: 2\n", "duplicate key 'a'"),
        ("nan.json", '{"a": NaN}', "invalid JSON"),
        ("tag.yaml", "a: !!python/object/apply:os.system ['true']\n", "YAML tag"),
        ("custom.yaml", "a: !secret value\n", "YAML tag"),
        ("recursive.yaml", "a: &x [*x]\n", "alias refers to its own ancestor"),
        ("surrogate.json", '{"a": "\\ud800"}', "lone UTF-16 surrogate"),
        ("deep.json", "[" * 150 + "]" * 150, "nested deeper than 100"),
        ("deep.yaml", "a: " + "[" * 150 + "]" * 150, "nested deeper"),
        ("key.yaml", "? [a]\n: 1\n", "not a string"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load(write(tmp_path, name, content))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert name in str(caught.value)


def test_duplicate_key_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load(write(tmp_path, "dup.json", '{\n "a": {"b": 1,\n  "b": 2}\n}'))
    assert caught.value.line == 3


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(InputError, match="alias bomb"):
        load(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))


@pytest.mark.parametrize("loader", sorted(yaml_parser.LOADERS))
def test_an_alias_of_a_long_string_counts_its_text_each_time(loader: str) -> None:
    """200 aliases are 200 values, well inside --max-values, but 20 MB of text for whatever reads them."""
    chosen = yaml_parser.LOADERS[loader]
    text = "a: &s " + "x" * 100_000 + "\nb: [" + ", ".join(["*s"] * 200) + "]\n"
    with pytest.raises(InputError, match=r"too much text, counting what aliases expand to: an alias bomb\?") as caught:
        yaml_parser.parse_yaml(text, "f.yaml", loader=chosen)
    assert caught.value.line == 1
    fine = "a: &s " + "x" * 1000 + "\nb: [" + ", ".join(["*s"] * 200) + "]\n"  # 200 KB of text: kept
    assert len(yaml_parser.parse_yaml(fine, "f.yaml", loader=chosen)[0].data["b"]) == 200


def test_text_without_aliases_is_never_too_much() -> None:
    """The text allowed is at least twice the document's own (12 MB here, past the 10 MiB floor)."""
    plain = "a: " + "x" * (6 * 1024 * 1024) + "\nb: " + "y" * (6 * 1024 * 1024) + "\n"
    assert len(yaml_parser.parse_yaml(plain, "f.yaml")[0].data["b"]) == 6 * 1024 * 1024


def test_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.json", '{"a": "' + "x" * 2000 + '"}')
    with pytest.raises(InputError, match="larger than the 1000-byte limit"):
        load(path, max_bytes=1000)
    assert load(path, max_bytes=5000)[0].data["a"] == "x" * 2000


def test_directories_expand_to_json_and_yaml_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.json", "c.yml", "notes.txt"):
        write(tmp_path, name, "{}")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "d.json", "{}")
    names = [Path(p).name for p in expand([str(tmp_path)])]
    assert names == ["a.json", "b.yaml", "c.yml", "d.json"]


@pytest.mark.parametrize("loader", sorted(yaml_parser.LOADERS))
def test_both_yaml_loaders_apply_the_same_rules(loader: str) -> None:
    chosen = yaml_parser.LOADERS[loader]
    (doc,) = yaml_parser.parse_yaml("a: 2024-01-01\nb:\n  - x\n  - y\n", "f.yaml", loader=chosen)
    assert doc.data == {"a": "2024-01-01", "b": ["x", "y"]}  # dates stay strings
    assert doc.line_of("/b/1") == 4
    for text, said in (
        ("a: 1\na: 2\n", "duplicate key"),
        ("a: !!python/object/apply:os.system [echo]\n", "YAML tag"),
        ("a: &x [*x]\n", "recursive"),
        ("[" * 200 + "]" * 200, "nested deeper"),
    ):
        with pytest.raises(InputError, match=said):
            yaml_parser.parse_yaml(text, "f.yaml", loader=chosen)


def test_lines_are_worked_out_only_when_asked() -> None:
    (doc,) = parse_json('{\n  "a": {\n    "b": 1\n  }\n}', "f.json")
    assert doc.known_lines is None  # parsing alone maps no line
    assert doc.line_of("/a/b") == 3
    assert doc.known_lines is not None and doc.find_lines is None


def test_the_depth_limit_still_names_its_line() -> None:
    text = "{\n" + '"a": [\n' * 5 + "1" + "]" * 5 + "}"
    with pytest.raises(InputError) as caught:
        parse_json(text, "f.json", max_depth=3)
    assert "nested deeper than 3 levels" in caught.value.reason and caught.value.line == 4
