"""Apache Airflow operator arguments: an EMR operator's keyword arguments read as the StartJobRun it makes.

A YAML or JSON mapping of the arguments with the operator's class under ``operator`` (how
dag-factory and gusty keep tasks; found wherever it is nested), or a bare mapping of arguments.
Each argument is mapped as the operator maps it in apache-airflow-providers-amazon 9.39.0
(``airflow/providers/amazon/aws/operators/emr.py``, ``hooks/emr.py``): ``application_id`` is
``applicationId``, the members below keep the API's own names, ``EmrServerlessStartJobOperator``'s
``config`` adds members (and overrides the arguments before it), and a missing
``client_request_token`` is filled in with a UUID. The operator's own settings (``aws_conn_id``,
``wait_for_completion``, the waiters, every ``BaseOperator`` argument) are accepted and not
checked; any other argument is reported, as Airflow refuses it. Airflow renders Jinja only in an
operator's template fields: ``{{ ... }}`` there is a placeholder, elsewhere it is sent as written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import pointers
from ..suggest import did_you_mean
from ..validation import Violation
from . import placeholders as _placeholders
from .model import Reading
from .walk import mappings

_PROVIDER = "https://pypi.org/project/apache-airflow-providers-amazon/9.39.0/"
#: BaseOperator's arguments (apache-airflow-task-sdk 1.3.2, airflow/sdk/bases/operator.py)
BASE_OPERATOR = frozenset(
    [
        "task_id",
        "owner",
        "email",
        "email_on_retry",
        "email_on_failure",
        "retries",
        "retry_delay",
        "retry_exponential_backoff",
        "max_retry_delay",
        "retry_policy",
        "start_date",
        "end_date",
        "depends_on_past",
        "ignore_first_depends_on_past",
        "wait_for_past_depends_before_skipping",
        "wait_for_downstream",
        "dag",
        "params",
        "default_args",
        "priority_weight",
        "weight_rule",
        "queue",
        "pool",
        "pool_slots",
        "sla",
        "execution_timeout",
        "on_execute_callback",
        "on_failure_callback",
        "on_success_callback",
        "on_retry_callback",
        "on_skipped_callback",
        "pre_execute",
        "post_execute",
        "trigger_rule",
        "resources",
        "run_as_user",
        "map_index_template",
        "max_active_tis_per_dag",
        "max_active_tis_per_dagrun",
        "executor",
        "executor_config",
        "do_xcom_push",
        "multiple_outputs",
        "inlets",
        "outlets",
        "task_group",
        "doc",
        "doc_md",
        "doc_json",
        "doc_yaml",
        "doc_rst",
        "task_display_name",
        "logger_name",
        "allow_nested_operators",
        "render_template_as_native_obj",
    ]
)
#: AwsBaseOperator's (operators/base_aws.py)
AWS_BASE = frozenset({"aws_conn_id", "region_name", "verify", "botocore_config", "region"})
#: dag-factory's own task keys (dagfactory/dagbuilder.py SYSTEM_PARAMS, adjust_general_task_params)
DAG_FACTORY = frozenset({"operator", "dependencies", "task_group_name", "parent_group_name"})
DAG_FACTORY_SECONDS = frozenset({"execution_timeout_secs", "sla_secs"})
#: dag-factory's callbacks given by file and name: each ``<callback>_name`` and ``<callback>_file`` pair
#: becomes the BaseOperator argument ``<callback>`` (dagfactory/dagbuilder.py adjust_general_task_params)
DAG_FACTORY_CALLBACKS = frozenset(
    {"on_execute_callback", "on_success_callback", "on_failure_callback", "on_retry_callback", "on_skipped_callback"}
)
#: A token the operator makes up when none is given (uuid4): any valid one stands for it.
STAND_IN_TOKEN = "00000000-0000-4000-8000-000000000000"

KEEP, UNLESS_NONE, TOKEN, OR_CONFIG, OR_EMPTY, RETRY = "keep", "unless-none", "token", "or-config", "or-empty", "retry"


@dataclass(frozen=True)
class Operator:
    name: str
    api: str
    arguments: Mapping[str, tuple[str, str]]  # argument -> (API member, what the operator does with it)
    required: tuple[str, ...]  # arguments without a default
    settings: frozenset[str]  # the operator's own arguments, not API members
    templated: frozenset[str]  # template_fields: Airflow renders Jinja in these
    spread: str | None = None  # an argument whose dict gives further API members

    @property
    def source(self) -> str:
        return f"{_PROVIDER} (airflow/providers/amazon/aws/operators/emr.py: {self.name})"


SERVERLESS = Operator(
    name="EmrServerlessStartJobOperator",
    api="aws-emr-serverless",
    arguments={
        "client_request_token": ("clientToken", TOKEN),
        "application_id": ("applicationId", KEEP),
        "execution_role_arn": ("executionRoleArn", KEEP),
        "job_driver": ("jobDriver", KEEP),
        "name": ("name", OR_CONFIG),
        "configuration_overrides": ("configurationOverrides", UNLESS_NONE),
    },
    required=("application_id", "execution_role_arn", "job_driver"),
    settings=frozenset(
        [
            "wait_for_completion",
            "waiter_max_attempts",
            "waiter_delay",
            "deferrable",
            "enable_application_ui_links",
            "cancel_on_kill",
            "openlineage_inject_parent_job_info",
            "openlineage_inject_transport_info",
        ]
    ),
    templated=frozenset(
        [
            "application_id",
            "config",
            "execution_role_arn",
            "job_driver",
            "configuration_overrides",
            "name",
            "aws_conn_id",
            "region_name",
            "verify",
        ]
    ),
    spread="config",
)
CONTAINERS = Operator(
    name="EmrContainerOperator",
    api="aws-emr-containers",
    arguments={
        "name": ("name", KEEP),
        "virtual_cluster_id": ("virtualClusterId", KEEP),
        "execution_role_arn": ("executionRoleArn", KEEP),
        "release_label": ("releaseLabel", KEEP),
        "job_driver": ("jobDriver", KEEP),
        "configuration_overrides": ("configurationOverrides", OR_EMPTY),
        "tags": ("tags", OR_EMPTY),
        "client_request_token": ("clientToken", TOKEN),
        "job_retry_max_attempts": ("retryPolicyConfiguration", RETRY),
    },
    required=("name", "virtual_cluster_id", "execution_role_arn", "release_label", "job_driver"),
    settings=frozenset(
        [
            "wait_for_completion",
            "poll_interval",
            "max_polling_attempts",
            "deferrable",
            "cancel_on_kill",
            "openlineage_inject_parent_job_info",
            "openlineage_inject_transport_info",
        ]
    ),
    templated=frozenset(
        [
            "name",
            "virtual_cluster_id",
            "execution_role_arn",
            "release_label",
            "job_driver",
            "configuration_overrides",
            "aws_conn_id",
            "region_name",
            "verify",
        ]
    ),
)
OPERATORS = {op.name: op for op in (SERVERLESS, CONTAINERS)}
NOT_TEMPLATED = (
    "Airflow renders {{{{ ... }}}} only in an operator's template fields, and {argument} is not one: "
    "it is sent as written"
)


def operator_named(value: Any) -> Operator | None:
    """The operator a task's ``operator`` names (a dotted path or the class alone)."""
    return OPERATORS.get(value.rsplit(".", 1)[-1]) if isinstance(value, str) else None


def detect(document: Any) -> bool:
    return any(isinstance(node.get("operator"), str) for _path, node, _above in mappings(document))


def read(document: Any, *, api: str | None = None, bare: bool = False, placeholders: bool = True) -> list[Reading]:
    """One reading per EMR operator task in the document; with ``bare`` a mapping of arguments alone too."""
    readings = []
    for path, node, _above in mappings(document):
        operator = operator_named(node.get("operator"))
        if operator is not None:
            readings.append(_task(node, path, operator, api, placeholders))
    if not readings and bare and isinstance(document, Mapping) and "operator" not in document:
        guessed = (
            SERVERLESS if "application_id" in document else CONTAINERS if "virtual_cluster_id" in document else None
        )
        if guessed is not None:
            readings.append(_task(document, [], guessed, api, placeholders, guessed_by=True))
    return readings


def without_tasks(document: Any) -> str:
    named = sorted(
        {str(node["operator"]) for _p, node, _a in mappings(document) if isinstance(node.get("operator"), str)}
    )
    if named:
        return (
            f"no {' or '.join(OPERATORS)} task (the document's operators: {', '.join(named[:5])}"
            f"{', ...' if len(named) > 5 else ''}): nothing to check"
        )
    return (
        "cannot tell which operator these arguments are for: name it (operator: EmrServerlessStartJobOperator "
        "or EmrContainerOperator), or give application_id or virtual_cluster_id"
    )


def _task(
    node: Mapping[str, Any],
    path: list[Any],
    operator: Operator,
    asked: str | None,
    placeholders: bool,
    *,
    guessed_by: bool = False,
) -> Reading:
    task_id = node.get("task_id", path[-1] if path else None)
    label = f"task {task_id}" if task_id is not None else "the task"
    why = "by its arguments" if guessed_by else f"operator: {node.get('operator')}"
    reading = Reading(
        data={},
        api=operator.api,
        operation="StartJobRun",
        form="airflow",
        root=pointers.join(path),
        part=label if path else None,
        decided=f"Airflow {operator.name} arguments ({label}, {why}): {operator.api} StartJobRun",
    )
    if asked is not None and asked != operator.api:
        reading.notes.append(f"{operator.name} calls {operator.api}, not --api {asked}: checked as {operator.api}")
    mapper = _Mapper(reading, operator, node, path)
    mapper.run()
    if placeholders:
        reading.syntax = _placeholders.AIRFLOW
        _placeholders.scan(reading, _placeholders.DOLLAR)
        _placeholders.scan(
            reading, _placeholders.AIRFLOW, applies=lambda where: bool(where) and where[0] in mapper.templated
        )
    return reading


class _Mapper:
    def __init__(self, reading: Reading, operator: Operator, node: Mapping[str, Any], path: list[Any]) -> None:
        self.reading, self.operator, self.node, self.path = reading, operator, node, path
        self.spelled: dict[str, str] = {}  # API member -> the argument (or config.key) it came from
        self.templated: set[str] = set()  # API members whose value Airflow renders

    def run(self) -> None:
        operator, node, reading = self.operator, self.node, self.reading
        known = {*operator.arguments, *operator.settings, *AWS_BASE, *BASE_OPERATOR}
        if operator.spread:
            known.add(operator.spread)
        for argument in node:
            if argument in known or argument in DAG_FACTORY or argument in DAG_FACTORY_SECONDS:
                continue
            callback, _, part = str(argument).rpartition("_")
            if (
                callback in DAG_FACTORY_CALLBACKS
                and part in ("name", "file")
                and {f"{callback}_name", f"{callback}_file"} <= set(node)
            ):
                continue  # dag-factory makes the callback of the pair
            hint = did_you_mean(argument, sorted(known))
            message = f"{operator.name} has no argument '{argument}'{hint}: Airflow refuses it"
            reading.problems.append(self._violation([argument], "additionalProperties", message, False))
        for argument in operator.required:
            if argument not in node:
                message = f"{argument} is required but missing: {operator.name} has no default for it"
                reading.problems.append(self._violation([argument], "required", message, list(operator.required)))
        data: dict[str, Any] = {}
        config = node.get(operator.spread) if operator.spread else None
        for argument, (member, treatment) in operator.arguments.items():
            value = node.get(argument)
            given = argument in node
            if treatment == TOKEN and not value:
                data[member] = STAND_IN_TOKEN
                continue
            if treatment == OR_CONFIG and not value:
                continue  # the operator takes config's (below), or names the run itself
            if treatment == OR_EMPTY and not value:
                data[member] = {}
                self._origin(member, [argument], argument, given=False)
                continue
            if treatment == RETRY:
                if value:
                    data[member] = {"maxAttempts": value}
                    self._origin(member, [argument], argument)
                    self.reading.pointers[pointers.join([member, "maxAttempts"])] = pointers.join(
                        [*self.path, argument]
                    )
                continue
            if not given or (treatment == UNLESS_NONE and value is None):
                continue
            data[member] = value
            self._origin(member, [argument], argument)
        if isinstance(config, Mapping):
            for key, value in config.items():
                if key == "configurationOverrides" and node.get("configuration_overrides") is not None:
                    reading.notes.append(f"the configuration_overrides argument replaces {operator.spread}.{key}")
                    continue  # the operator lays the argument over config's
                if key in data and key in self.spelled:
                    reading.notes.append(f"{operator.spread}.{key} replaces the {self.spelled[key]} argument")
                data[key] = value
                self._origin(key, [operator.spread, key], f"{operator.spread}.{key}", spread=True)
        elif config is not None:
            reading.notes.append(
                f"{operator.spread} is not a mapping of StartJobRun members: the members it adds are not checked"
            )
        reading.pointers[""] = pointers.join(self.path)
        reading.data = data
        reading.spell = self._spell
        for member in data:
            text = json.dumps(data[member], default=str)
            if "{{" in text and member not in self.templated and member in self.spelled:
                reading.hints[f"/{pointers.escape(member)}"] = NOT_TEMPLATED.format(argument=self.spelled[member])

    def _origin(
        self, member: str, relative: list[Any], spelled: str, *, given: bool = True, spread: bool = False
    ) -> None:
        """Where the member's value is in the document, and below it, every value."""
        self.spelled[member] = spelled
        argument = self.operator.spread if spread else relative[0]
        if argument in self.operator.templated:
            self.templated.add(member)
        self.reading.pointers[f"/{pointers.escape(member)}"] = pointers.join([*self.path, *relative])
        if not given:
            return
        value = self.node
        for part in relative:
            value = value[part]
        stack: list[tuple[list[Any], Any]] = [([], value)]
        while stack:
            below, current = stack.pop()
            if below:
                self.reading.pointers[pointers.join([member, *below])] = pointers.join([*self.path, *relative, *below])
            if isinstance(current, Mapping):
                stack.extend(([*below, k], v) for k, v in current.items())
            elif isinstance(current, list):
                stack.extend(([*below, i], v) for i, v in enumerate(current))

    def _spell(self, parent: list[Any], name: str) -> str:
        if parent:
            return name
        if name in self.spelled:
            return self.spelled[name]
        by_member = {member: argument for argument, (member, _) in self.operator.arguments.items()}
        return by_member.get(name, name)

    def _violation(self, relative: list[Any], keyword: str, message: str, constraint: Any) -> Violation:
        pointer = pointers.join([*self.path, *relative])
        return Violation(
            pointer, keyword, message, constraint, self.operator.source, "", provenance="client", instance=None
        )
