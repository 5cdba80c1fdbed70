"""Service pattern semantics, checked in Python and in the Rust engine the validator uses."""

from __future__ import annotations

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobrun_contracts.core.patterns import PatternError, compile_pattern

ROLE_ARN = "arn:(aws[a-zA-Z0-9-]*):iam::([0-9]{12}):(role((\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F))[\\w+=,.@-]+)"


def both(pattern: str, value: str) -> bool:
    """The verdict of both dialects, which must agree."""
    compiled = compile_pattern(pattern)
    rust = jsonschema_rs.validator_for({"pattern": compiled.rust}, pattern_options=jsonschema_rs.RegexOptions())
    python_says, rust_says = compiled.matches(value), rust.is_valid(value)
    assert python_says == rust_says, (pattern, value)
    return python_says


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("[0-9a-z]+", "myapp0", True),
        ("[0-9a-z]+", "my_app", False),  # the whole value must match
        ("[0-9a-z]+", "abc\n", False),  # Python's $ would let a final newline through
        ("[0-9a-z]+", "\nabc", False),
        ("^[0-9a-z]+$", "abc\n", False),
        ("\\d{12}", "123456789012", True),
        ("\\d{12}", "١٢٣٤٥٦٧٨٩٠١٢", False),  # Arabic-Indic digits: \d is ASCII
        ("[\\w]+", "é", False),  # \w is ASCII
        ("\\S", "\u00a0", True),  # no-break space is not ASCII whitespace
        (".*\\S.*", "job name", True),
        (".*\\S.*", "   ", False),
        (".*\\S.*", "a\nb", False),  # . stops at line feed
        (".*\\S.*", "a\rb", False),  # ... carriage return
        (".*\\S.*", "a\u2028b", True),  # \S (ASCII) takes the line separator itself...
        (".*\\S.*", "a\u2028\u2028b", False),  # ... but . cannot take a second one
        (".*\\S.*", "a\u2029\u2029b", False),  # ... paragraph separator
        (".*\\S.*", "a\u0085\u0085b", False),  # ... next line (Java's set)
        (".*\\S.*", "a\tb", True),  # a tab is not a line terminator
        (ROLE_ARN, "arn:aws:iam::123456789012:role/EMRServerlessJobRole", True),
        (ROLE_ARN, "arn:aws:iam::123456789012:role/service-role/Job_Role+x=y,z.a@b-c", True),
        (ROLE_ARN, "arn:aws:iam::123456789012:role\\x", False),  # \u002F is the slash
        (ROLE_ARN, "arn:aws:iam::12345678901:role/x", False),
        ("[A-Za-z0-9 /_.:=+@-]+", "team:data/eng", True),
        ("[A-Za-z0-9 /_.:=+@-]+", "team!", False),
        ("[^:*]*", "prefix", True),
        ("[^:*]*", "pre:fix", False),
    ],
)
def test_service_semantics(pattern: str, value: str, expected: bool) -> None:
    assert both(pattern, value) is expected


def test_supplementary_characters_are_single_code_points() -> None:
    xml_char = "[\\u0020-\\uD7FF\\uE000-\\uFFFD\U00010000-\U0010ffff\\r\\n\\t]*"
    assert both(xml_char, "s3://bucket/\U0001f600/logs")
    assert not both(xml_char, "s3://bucket/\x01")
    pair = "[\\uD800\\uDC00-\\uDBFF\\uDFFF]"  # a pair of escapes is one code point
    assert both(pair, "\U00010000") and both(pair, "\U0010ffff")
    assert not both(pair, "a")


@pytest.mark.parametrize("bad", ["(?=a)", "\\p{L}", "a\\", "[a", "[b-a]", "\\uD800", "[\\S]"])
def test_unsupported_constructs_are_refused_not_guessed(bad: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(bad)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_dialects_agree_on_arbitrary_text(value: str) -> None:
    for pattern in (".*\\S.*", "[0-9a-z]+", "[A-Za-z0-9 /_.:=+@-]*", ROLE_ARN, "[-0-9a-zA-Z]+.*"):
        both(pattern, value)


def test_lengths_of_bounded_and_open_repeats() -> None:
    assert compile_pattern("[a-z]{1,100}").tree.lengths == ((1, 100),)
    assert compile_pattern("sha256:[0-9a-f]{64}").tree.lengths == ((71, 71),)
    assert compile_pattern("\\d+(\\.\\d+)?[KMG]").tree.lengths[0][0] == 2
    assert compile_pattern("(ab){2,3}").tree.lengths == ((4, 4), (6, 6))
    assert compile_pattern("[0-9a-z]+").tree.lengths[-1][1] >= 1 << 20
