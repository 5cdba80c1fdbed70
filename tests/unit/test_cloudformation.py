"""CloudFormation templates: the short-form intrinsic tags, and intrinsic functions inside state machines.

The YAML cases run on both loaders (libyaml's C parser and pure Python); the form cases go
through ``forms.read``, the validator, and ``forms.kept``/``restore``, as ``validate`` does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from jobrun_contracts import InputError
from jobrun_contracts.core import forms
from jobrun_contracts.core.documents import parse_json
from jobrun_contracts.core.documents import yaml as yaml_parser
from jobrun_contracts.core.forms import cloudformation
from jobrun_contracts.core.validation import Violation, validator_for

LOADERS = sorted(yaml_parser.LOADERS)

#: The short forms the "Intrinsic function reference" pages give, each with the long form it stands for.
DOCUMENTED = {
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!And": "Fn::And",
    "!Equals": "Fn::Equals",
    "!If": "Fn::If",
    "!Not": "Fn::Not",
    "!Or": "Fn::Or",
    "!Condition": "Condition",
    "!FindInMap": "Fn::FindInMap",
    "!GetAtt": "Fn::GetAtt",
    "!GetAZs": "Fn::GetAZs",
    "!GetStackOutput": "Fn::GetStackOutput",
    "!ImportValue": "Fn::ImportValue",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!Sub": "Fn::Sub",
    "!Transform": "Fn::Transform",
    "!Ref": "Ref",
}


def parse(text: str, loader: str) -> Any:
    (document,) = yaml_parser.parse_yaml(text, "t.yaml", loader=yaml_parser.LOADERS[loader])
    return document


# -- the YAML loader ----------------------------------------------------------------------------


def test_the_loader_takes_exactly_the_documented_short_forms() -> None:
    assert yaml_parser.SHORT_FORMS == DOCUMENTED


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(("tag", "long"), sorted(DOCUMENTED.items()))
def test_every_short_form_becomes_its_long_form(loader: str, tag: str, long: str) -> None:
    document = parse(f"scalar: {tag} x\nsequence: {tag} [a, 1]\nmapping: {tag} {{Name: m}}\n", loader)
    expected_scalar: Any = ["x"] if long == "Fn::GetAtt" else "x"
    assert document.data == {
        "scalar": {long: expected_scalar},
        "sequence": {long: ["a", 1]},
        "mapping": {long: {"Name": "m"}},
    }


@pytest.mark.parametrize("loader", LOADERS)
def test_getatt_splits_at_its_first_dot_and_a_list_stays_a_list(loader: str) -> None:
    document = parse(
        "a: !GetAtt Role.Arn\n"
        "b: !GetAtt myELB.SourceSecurityGroup.OwnerAlias\n"  # the Fn::GetAtt page's own example
        "c: !GetAtt [Role, Arn]\n"
        "d: !Select [0, !GetAZs '']\n"
        "e: !Sub\n  - 's3://${Bucket}/${Key}'\n  - Key: !Ref K\n",
        loader,
    )
    assert document.data == {
        "a": {"Fn::GetAtt": ["Role", "Arn"]},
        "b": {"Fn::GetAtt": ["myELB", "SourceSecurityGroup.OwnerAlias"]},
        "c": {"Fn::GetAtt": ["Role", "Arn"]},
        "d": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "e": {"Fn::Sub": ["s3://${Bucket}/${Key}", {"Key": {"Ref": "K"}}]},
    }
    assert document.line_of("/e/Fn::Sub/1/Key/Ref") == 7 and document.line_of("/a/Fn::GetAtt") == 1


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("tag", ["!Length", "!ToJsonString", "!ForEach", "!secret", "!!python/object/apply:os.system"])
def test_any_other_tag_is_still_refused_with_the_same_message(loader: str, tag: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(f"a:\n  b: {tag} [x]\n", loader)
    named = tag.replace("!!", "tag:yaml.org,2002:")  # a !! tag is named as PyYAML resolves it, as before
    assert caught.value.reason == f"YAML tag '{named}' is not allowed: job specs are plain data"
    assert caught.value.line == 2


@pytest.mark.parametrize("loader", LOADERS)
def test_the_safety_rules_hold_inside_a_function(loader: str) -> None:
    for text, said in (
        ("a: !Transform {Name: m, Name: n}\n", "duplicate key 'Name'"),
        ("a: &x !Join ['', [*x]]\n", "recursive"),
        ("a: !Join ['', [!Ref B, !Foo c]]\n", "YAML tag '!Foo'"),
    ):
        with pytest.raises(InputError, match=said):
            parse(text, loader)
    lines = ["a0: &a0 !Join ['', [x, x, x, x, x, x, x, x, x, x]]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} !Join ['', [" + ", ".join([f"*a{i - 1}"] * 10) + "]]")
    with pytest.raises(InputError, match="alias bomb"):
        parse("\n".join(lines) + "\n", loader)
    dated = parse("a: !Sub 2024-01-01\nb: !Join ['', [2024-01-01]]\n", loader).data
    assert dated == {"a": {"Fn::Sub": "2024-01-01"}, "b": {"Fn::Join": ["", ["2024-01-01"]]}}  # dates stay strings


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("nesting", [30, 49, 50, 70])
def test_a_short_form_counts_as_deep_as_its_long_form(loader: str, nesting: int) -> None:
    """``!Not [x]`` is ``{"Fn::Not": [x]}``: two levels, in YAML as in JSON."""
    short = "!Not [" * nesting + "x" + "]" * nesting
    long = '{"Fn::Not": [' * nesting + '"x"' + "]}" * nesting

    def refused(read: Any) -> bool:
        try:
            read()
        except InputError as error:
            assert "nested deeper" in error.reason
            return True
        return False

    as_yaml = refused(lambda: yaml_parser.parse_yaml(short, "t.yaml", 100, loader=yaml_parser.LOADERS[loader]))
    as_json = refused(lambda: parse_json(long, "t.json", 100))
    assert as_yaml == as_json == (2 * nesting > 100)


# -- intrinsic functions in a state machine --------------------------------------------------------


def template(parameters: dict[str, Any], resource: Any = "arn:aws:states:::emr-serverless:startJobRun.sync") -> Any:
    state = {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}
    definition = {"StartAt": "Run", "States": {"Run": state}}
    machine = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"Definition": definition}}
    return {"Resources": {"Machine": machine}}


ROOT = "/Resources/Machine/Properties/Definition/States/Run/Parameters"
VALID = {
    "ApplicationId": "00f1abc2de3fg4h5",
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/R",
    "JobDriver": {"SparkSubmit": {"EntryPoint": "s3://b/x.py"}},
}


def findings(document: Any, **options: Any) -> tuple[forms.Reading, list[Violation]]:
    (reading,) = forms.read(document, **options)
    assert reading.error is None and reading.api is not None
    problems = validator_for(reading.api, reading.operation).validate(reading.data)
    return reading, forms.restore(reading, forms.kept(reading, problems))


def test_an_intrinsic_at_a_required_member_satisfies_it_and_is_not_checked() -> None:
    reading, found = findings(
        template({**VALID, "ApplicationId": {"Ref": "App"}, "ExecutionRoleArn": {"Fn::GetAtt": ["R", "Arn"]}})
    )
    assert found == []
    assert dict(forms.unchecked(reading)) == {
        f"{ROOT}/ApplicationId": "a CloudFormation intrinsic function (Ref App): "
        "CloudFormation resolves it when the stack is deployed",
        f"{ROOT}/ExecutionRoleArn": "a CloudFormation intrinsic function (Fn::GetAtt R.Arn): "
        "CloudFormation resolves it when the stack is deployed",
    }


def test_a_wrong_member_name_next_to_or_at_an_intrinsic_is_still_reported() -> None:
    parameters = {**VALID, "ApplicationId": {"Ref": "App"}, "Mode": {"Fn::If": ["C", "BATCH", "STREAMING"]}}
    parameters["JobDriver"] = {"SparkSubmit": {"Entrypoint": {"Fn::Sub": "s3://${B}/x.py"}}}
    _reading, found = findings(template(parameters))
    assert [(v.pointer, v.keyword, v.message) for v in found if v.keyword == "additionalProperties"] == [
        (
            f"{ROOT}/JobDriver/SparkSubmit/Entrypoint",
            "additionalProperties",
            "unknown field 'Entrypoint' in JobDriver.SparkSubmit (did you mean 'EntryPoint'?)",
        )
    ]
    assert [(v.pointer, v.keyword) for v in found if v.keyword == "required"] == [
        (f"{ROOT}/JobDriver/SparkSubmit/EntryPoint", "required")
    ]


def test_a_wrong_literal_value_next_to_an_intrinsic_is_still_reported() -> None:
    _reading, found = findings(template({**VALID, "ApplicationId": {"Ref": "App"}, "Mode": "batch"}))
    assert [(v.pointer, v.keyword) for v in found] == [(f"{ROOT}/Mode", "enum")]


@pytest.mark.parametrize(
    ("value", "held"),
    [
        ({"Fn::Sub": "my_app-${Env}"}, True),  # '_' is never in [0-9a-z]+, whatever ${Env} is
        ({"Fn::Sub": "app${Env}"}, False),
        ({"Fn::Join": ["-", ["my_app", {"Ref": "Env"}]]}, True),
        ({"Fn::Sub": ["${A}", {"A": "my_app"}]}, True),  # a variable given as text is put in, then checked whole
        ({"Fn::Sub": ["${A}", {"A": {"Ref": "X"}}]}, False),
        ({"Fn::Sub": "${!Literal}"}, True),  # CloudFormation writes ${Literal}, which is what is checked here
    ],
)
def test_fn_sub_and_join_are_checked_as_far_as_their_literal_text_decides(value: Any, held: bool) -> None:
    reading, found = findings(template({**VALID, "ApplicationId": value}), placeholders_known=False)
    patterns = [v for v in found if v.keyword == "pattern"]
    assert bool(patterns) is held, reading.data["applicationId"]
    if held and reading.partial:
        assert "whatever its placeholders stand for" in patterns[0].message


def test_outside_a_template_a_mapping_is_not_a_function() -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::emr-serverless:startJobRun",
        "Parameters": {**VALID, "ApplicationId": {"Ref": "App"}},
    }
    reading, found = findings({"StartAt": "Run", "States": {"Run": state}})
    assert reading.unknown == {}
    assert [(v.pointer, v.keyword) for v in found] == [("/States/Run/Parameters/ApplicationId", "type")]


def test_a_resource_written_with_fn_sub_or_join_names_its_integration() -> None:
    for resource in (
        {"Fn::Sub": "arn:${AWS::Partition}:states:::emr-serverless:startJobRun.sync"},
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":states:::emr-serverless:startJobRun.sync"]]},
    ):
        (reading,) = forms.read(template(VALID, resource))
        assert (reading.api, reading.operation, reading.part) == (
            "aws-emr-serverless",
            "StartJobRun",
            "state Run of Machine",
        )
        assert reading.decided is not None and "in Machine's Definition" in reading.decided


# -- definitions kept as text ---------------------------------------------------------------------


def string_template(value: Any) -> Any:
    machine = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": value}}
    return {"Resources": {"Machine": machine}}


TEXT_ROOT = "/Resources/Machine/Properties/DefinitionString/States/Run/Parameters"


def definition_text(parameters: str) -> str:
    return (
        '{"StartAt": "Run", "States": {"Run": {"Type": "Task", "End": true, '
        '"Resource": "arn:aws:states:::emr-containers:startJobRun", "Parameters": ' + parameters + "}}}"
    )


def test_a_plain_definition_string_is_parsed_as_json() -> None:
    parameters = json.dumps({"VirtualClusterId": "abc", "Name": "n", "ExecutionRoleArn": 5})
    reading, found = findings(string_template(definition_text(parameters)))
    assert reading.root == TEXT_ROOT and reading.decided is not None
    assert "in Machine's DefinitionString:" in reading.decided
    assert (f"{TEXT_ROOT}/ExecutionRoleArn", "type") in {(v.pointer, v.keyword) for v in found}


def test_a_join_puts_each_function_in_as_a_placeholder_quoted_outside_a_string() -> None:
    head = definition_text("").removesuffix("}}}")
    parts = [head + '{"VirtualClusterId": "', {"Fn::GetAtt": ["Cluster", "Id"]}, '", "Name": "a\\"b-', {"Ref": "Env"}]
    parts += ['", "RetryPolicyConfiguration": {"MaxAttempts": ', {"Ref": "Retries"}, "}}}}}"]
    data, text, how = cloudformation.definition({"Fn::Join": ["", parts]})
    parameters = data["States"]["Run"]["Parameters"]
    assert how == "Fn::Join"
    assert parameters == {
        "VirtualClusterId": "${Cluster.Id}",
        "Name": 'a"b-${Env}',  # an escaped quote does not end the string
        "RetryPolicyConfiguration": {"MaxAttempts": "${Retries}"},  # outside a string: one quoted unknown
    }
    assert set(text.tokens) == {"${Cluster.Id}", "${Env}", "${Retries}"}
    reading, _found = findings(string_template({"Fn::Join": ["", parts]}), placeholders_known=False)
    assert reading.unknown["/virtualClusterId"].startswith(
        "a CloudFormation intrinsic function (Fn::GetAtt Cluster.Id)"
    )
    assert reading.partial == {"/name": 'a"b-'}
    assert "/retryPolicyConfiguration/maxAttempts" in reading.unknown


def test_a_sub_definition_string_takes_its_variables() -> None:
    value = {
        "Fn::Sub": [
            definition_text(
                '{"VirtualClusterId": "${Cluster}", "Name": "${Name}", "ReleaseLabel": "${!R}", '
                '"ExecutionRoleArn": "${Role}", "Tags": {"${TagKey}": "v"}}'
            ),
            {"Name": "etl", "Role": {"Fn::GetAtt": ["JobRole", "Arn"]}},
        ]
    }
    data, text, how = cloudformation.definition(value)
    assert how == "Fn::Sub"
    assert text.tokens == {  # a variable the list gives as a function keeps its name, and says what it is
        "${Cluster}": "a CloudFormation Fn::Sub variable (${Cluster}): "
        "CloudFormation resolves it when the stack is deployed",
        "${Role}": "a CloudFormation intrinsic function (Fn::GetAtt JobRole.Arn): "
        "CloudFormation resolves it when the stack is deployed",
        "${TagKey}": "a CloudFormation Fn::Sub variable (${TagKey}): "
        "CloudFormation resolves it when the stack is deployed",
    }
    assert data["States"]["Run"]["Parameters"] == {
        "VirtualClusterId": "${Cluster}",
        "Name": "etl",
        "ReleaseLabel": "${R}",
        "ExecutionRoleArn": "${Role}",
        "Tags": {"${TagKey}": "v"},
    }
    (reading,) = forms.read(string_template(value), placeholders_known=False)
    assert reading.unknown_keys == {"/tags": "a key CloudFormation fills in when the stack is deployed"}
    assert set(reading.unknown) == {"/virtualClusterId", "/executionRoleArn"}
    assert reading.data["releaseLabel"] == "${R}"  # literal text: with --literal-placeholders, checked as written


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"Fn::Join": ["", {"Ref": "Parts"}]}, "the parts of its Fn::Join are a function's result"),
        ({"Fn::GetAtt": ["Bucket", "Definition"]}, "it is Fn::GetAtt Bucket.Definition, whose text is not known"),
        ({"Fn::Sub": {"Ref": "T"}}, "its Fn::Sub template is not a string"),
        ("{not json", "its text is not JSON: Expecting property name enclosed in double quotes (line 1 of its text)"),
        ({"StartAt": "Run", "States": {}}, "it is a mapping, not a string"),
        ({"Fn::Join": ["", "abc"]}, "its Fn::Join is not [delimiter, [parts]]"),  # text, not a function's result
        ({"Fn::Sub": ["{}", {}, "extra"]}, "its Fn::Sub is neither a template nor [template, {variables}]"),
        ({"Fn::Sub": ["{}"]}, "its Fn::Sub is neither a template nor [template, {variables}]"),
    ],
)
def test_a_definition_string_that_cannot_be_read_soundly_says_why(value: Any, reason: str) -> None:
    with pytest.raises(cloudformation.Unreadable) as caught:
        cloudformation.definition(value)
    assert str(caught.value).startswith(reason)


def test_an_unreadable_definition_is_reported_only_when_it_names_an_emr_task() -> None:
    emr = {"Fn::Join": ["", [definition_text('{"Name": '), {"Ref": "X"}, "x"]]}
    (reading,) = forms.read(string_template(emr))
    assert reading.error is not None and reading.error.startswith("the DefinitionString of Machine is not checked: ")
    assert reading.root == "/Resources/Machine/Properties/DefinitionString"
    lambda_only = '{"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"'
    (nothing,) = forms.read(string_template(lambda_only))
    assert nothing.error is not None and nothing.error.startswith("a Step Functions definition with no EMR")
    assert "cannot be read: its text is not JSON" in nothing.error


def test_a_definition_text_is_bounded_however_its_parts_repeat() -> None:
    """A YAML alias makes one long string many parts at the cost of one node: the text stays bounded."""
    long = "x" * 1_000_000
    with pytest.raises(cloudformation.Unreadable, match="longer than"):
        cloudformation.definition({"Fn::Join": ["", [long] * 20]})
    with pytest.raises(cloudformation.Unreadable, match="longer than"):
        cloudformation.definition({"Fn::Sub": ["${A}" * 20, {"A": long}]})


# -- what a few bytes of template can stand for ------------------------------------------------------


def test_the_texts_of_a_documents_functions_are_bounded_together() -> None:
    """An Fn::Sub variable used a thousand times makes 1 MB of text from 5 KB; twelve of them pass a bound
    on each text alone, so the bound is the document's: past it, a value is listed as not read."""
    big = {"Fn::Sub": ["${A}" * 1000, {"A": "x" * 1000}]}  # 1,000,000 characters
    parameters = {**VALID, "JobDriver": {"SparkSubmit": {"EntryPoint": "s3://b/x.py", "EntryPointArguments": []}}}
    parameters["JobDriver"]["SparkSubmit"]["EntryPointArguments"] = [dict(big) for _ in range(12)]
    reading, _found = findings(template(parameters))
    made = [a for a in reading.data["jobDriver"]["sparkSubmit"]["entryPointArguments"] if isinstance(a, str)]
    assert 0 < len(made) < 12 and sum(map(len, made)) <= 10 * 1024 * 1024
    reasons = {r for p, r in forms.unchecked(reading) if "/EntryPointArguments/" in p}
    assert reasons == {
        "a CloudFormation intrinsic function (Fn::Sub) not read: its text would be longer than 10485760 characters "
        "(counting every Fn::Sub and Fn::Join text of the document)"
    }


def test_every_piece_of_a_text_counts_even_an_empty_one() -> None:
    budget = cloudformation.Budget(1000)
    with pytest.raises(cloudformation.Unreadable, match="longer than 1000 characters"):
        cloudformation.text_pieces({"Fn::Sub": ["${A}" * 600, {"A": ""}]}, budget)  # 1,201 pieces, no text
    shared = cloudformation.Budget(1000)
    cloudformation.text_pieces({"Fn::Join": ["", ["x" * 600]]}, shared)
    with pytest.raises(cloudformation.Unreadable):  # the same budget: what the first took is gone
        cloudformation.text_pieces({"Fn::Join": ["", ["x" * 600]]}, shared)


def test_a_malformed_function_in_a_state_machine_says_why_it_is_not_checked() -> None:
    reading, found = findings(
        template({**VALID, "Name": {"Fn::Join": ["", "abc"]}, "ApplicationId": {"Fn::Sub": ["a", {}, "b"]}})
    )
    assert found == []
    assert dict(forms.unchecked(reading)) == {
        f"{ROOT}/ApplicationId": "a CloudFormation intrinsic function (Fn::Sub) not read: "
        "its Fn::Sub is neither a template nor [template, {variables}]",
        f"{ROOT}/Name": "a CloudFormation intrinsic function (Fn::Join) not read: "
        "its Fn::Join is not [delimiter, [parts]]",
    }


def test_an_unreadable_emr_definition_beside_a_readable_one_is_still_said() -> None:
    """A part that is not text (YAML's empty item is null) hides the text, not the task its literal parts name."""
    good = template(VALID)
    head = definition_text('{"ApplicationId": "abc", "Name": "').replace("emr-containers", "emr-serverless")
    broken = {"Fn::Join": ["", [head.removesuffix("}}}"), None, '"}}}}']]}
    good["Resources"]["Broken"] = string_template(broken)["Resources"]["Machine"]
    readings = forms.read(good)
    assert [(r.part, r.error) for r in readings] == [
        ("state Run of Machine", None),
        ("state machine Broken", "the DefinitionString of Broken is not checked: a part of it is null, not text"),
    ]
