"""EMR on EKS job templates: how a template and a StartJobRun request become the run the service starts.

A job template (``CreateJobTemplate``'s ``jobTemplateData``) holds StartJobRun values; a
StartJobRun request names it (``jobTemplateId``) and fills its ``${Name}`` placeholders
(``jobTemplateParameters``). These are pure functions over JSON values: :func:`template_problems`
checks a template's parameters, :func:`merge` turns a template and a request into the request the
service runs, or the violations that stop it. The emulator, the validator and the strategies
share them, so the rules are written once.

Each rule cites where it is stated (:class:`Citation`: the page title, its address and the words
it rests on). Where the pages are silent the rule is our choice, the conservative one (refuse what
the service might refuse), and says so (:data:`OUR_CHOICE`); docs/emulator.md ("Job templates")
lists them all.

Violations use the JSON Schema keyword the rule amounts to, as if the template were a schema for
the request: ``required`` (a parameter without a default is not given, or a template parameter
has no ``type``), ``propertyNames`` (a parameter the template does not declare), ``pattern`` (a
``NUMBER`` parameter that is not a number), ``not`` (a member the template holds is given again),
``const`` (a tag the template sets is given another value), and ``placeholder`` (our own keyword:
a ``${Name}`` that names no declared parameter).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import JobrunContractsError, UsageError
from . import pointers, sensitive
from .validation import Violation, validator_for

API = "aws-emr-containers"

_GUIDE = "https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide"
_REFERENCE = "https://docs.aws.amazon.com/emr-on-eks/latest/APIReference"


@dataclass(frozen=True)
class Citation:
    """Where a rule is stated: the page's title, its public address, and the words the rule rests on."""

    title: str
    url: str
    quote: str

    @property
    def provenance(self) -> str:
        """The provenance level of a violation citing it: ``guide`` (a Development Guide page) or ``reference``."""
        return "guide" if "/EMR-on-EKS-DevelopmentGuide/" in self.url else "reference"

    def __str__(self) -> str:
        return f"{self.title}: {self.url}"


USING_TEMPLATES = Citation(
    "Using job templates (Amazon EMR on EKS Development Guide)",
    f"{_GUIDE}/job-templates.html",
    "A job template stores values that can be shared across StartJobRun API invocations when starting a job run.",
)
CREATE_AND_USE = Citation(
    "Create and using a job template to start a job run (Amazon EMR on EKS Development Guide)",
    f"{_GUIDE}/create-job-template.html",
    "Supply the virtual cluster id, job template id, and job name in the StartJobRun command",
)
DEFINING_PARAMETERS = Citation(
    "Defining job template parameters (Amazon EMR on EKS Development Guide)",
    f"{_GUIDE}/use-job-template-parameters.html",
    "Values for these parameter variables will need to be specified when starting a job run using that job "
    "template. Job template parameters are specified in ${parameterName} format. You can choose to specify any "
    "value in a jobTemplateData field as a job template parameter. For each of the job template parameter "
    "variables, specify its data type (STRING or NUMBER) and optionally a default value.",
)
CONTROLLING_ACCESS = Citation(
    "Controlling access to job templates (Amazon EMR on EKS Development Guide)",
    f"{_GUIDE}/iam-job-template.html",
    "If the job template specifies a job template parameter inside the execution role ARN field, then the user "
    "will be able to provide a value for this parameter",
)
JOB_TEMPLATE = Citation(
    "JobTemplate (Amazon EMR on EKS API Reference)",
    f"{_REFERENCE}/API_JobTemplate.html",
    "Job template allows two use cases: avoid repeating recurring StartJobRun API request values, enforcing "
    "certain values in StartJobRun API request.",
)
JOB_TEMPLATE_DATA = Citation(
    "JobTemplateData (Amazon EMR on EKS API Reference)",
    f"{_REFERENCE}/API_JobTemplateData.html",
    "The values of StartJobRun API requests used in job runs started using the job template.",
)
PARAMETER_CONFIGURATION = Citation(
    "TemplateParameterConfiguration (Amazon EMR on EKS API Reference)",
    f"{_REFERENCE}/API_TemplateParameterConfiguration.html",
    "The type of the job template parameter. Allowed values are: 'STRING', 'NUMBER'. ... The default value for "
    "the job template parameter.",
)
#: Appended to a citation where the pages are silent and the rule is our (conservative) reading.
OUR_CHOICE = "the pages are silent here; this is jobrun-contracts' conservative choice (docs/emulator.md#job-templates)"

#: JobTemplateData members that are StartJobRun members: a run from a template takes them from it.
TEMPLATE_MEMBERS = ("executionRoleArn", "releaseLabel", "jobDriver", "configurationOverrides")
#: The template's ``jobTags`` become the run's ``tags``, together with the request's own.
TAG_MEMBERS = ("jobTags", "tags")
#: StartJobRun members only the request gives (JobTemplateData has no such member).
REQUEST_MEMBERS = ("virtualClusterId", "clientToken", "name", "tags", "retryPolicyConfiguration")

#: A placeholder: ``${`` a parameter name (TemplateParameterName's characters) ``}``.
PLACEHOLDER = re.compile(r"\$\{([.\-_#A-Za-z0-9]+)\}")
#: What a NUMBER parameter's value must look like: a JSON number (our choice; see :func:`is_number`).
NUMBER_PATTERN = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)

_RULES_URI = "https://jobrun-contracts.invalid/rules/aws-emr-containers/job-templates"


@dataclass(frozen=True)
class Merged:
    """What :func:`merge` found: the request the service runs (None when refused), and why not.

    ``parameters`` holds every declared parameter's value as used: the request's, else the default.
    ``origins`` maps each merged member taken from the template to its pointer in the template.
    """

    request: dict[str, Any] | None
    violations: tuple[Violation, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.request is not None


def template_data(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``jobTemplateData`` of a CreateJobTemplate input, a DescribeJobTemplate output or a JobTemplate
    (or the data itself)."""
    if isinstance(document.get("jobTemplate"), Mapping):
        document = document["jobTemplate"]
    data = document.get("jobTemplateData", document)
    return data if isinstance(data, Mapping) else {}


def validate_with_template(
    spec: Mapping[str, Any], template: Mapping[str, Any], *, wire: bool = False, reference_only: bool = False
) -> list[Violation]:
    """An EMR on EKS StartJobRun spec checked as the run its job template would start: its own
    violations, then what merging it with the template finds (:func:`merge`); [] when valid.

    ``template``: a CreateJobTemplate input, a DescribeJobTemplate output, or its ``jobTemplateData``.
    A spec that names no template is checked alone; one that names another template than the given
    one (a DescribeJobTemplate output names its id) is a usage error.
    """
    found = validator_for(API, "StartJobRun", "request", wire=wire, reference_only=reference_only).validate(spec)
    wanted = needs_template(spec) if isinstance(spec, Mapping) else None
    if wanted is None:
        return found
    named = template_id(template)
    if named is not None and named != wanted:
        raise UsageError(f"the request runs from job template {wanted}, not the given {named}")
    seen = {(v.pointer, v.keyword) for v in found}
    found = hide_parameters(found, template, spec)
    return found + [
        v for v in merge(template, spec, reference_only=reference_only).violations if (v.pointer, v.keyword) not in seen
    ]


def hide_parameters(violations: Iterable[Violation], template: Mapping[str, Any], request: Any) -> list[Violation]:
    """The violations with the values of parameters that fill sensitive fields hidden.

    The model does not mark ``jobTemplateParameters`` sensitive, but a parameter whose ``${Name}``
    sits in a field it does mark (a ``SensitivePropertiesMap`` value, an entry point) carries that
    field's value, so it is hidden as that field's would be.
    """
    hidden = _sensitive_parameters(template_data(template))
    given = request.get("jobTemplateParameters") if isinstance(request, Mapping) else None
    given = given if isinstance(given, Mapping) else {}
    shown = []
    for violation in violations:
        parts = pointers.split(violation.pointer)
        if len(parts) == 2 and parts[0] == "jobTemplateParameters" and parts[1] in hidden:
            value = violation.instance if violation.instance is not None else given.get(str(parts[1]))
            violation = sensitive.safe_violation(replace(violation, sensitive=True, instance=value))
        shown.append(violation)
    return shown


def _sensitive_parameters(data: Mapping[str, Any]) -> set[str]:
    """The parameters with a placeholder in a field the StartJobRun model marks sensitive."""
    names = set()
    for path, name in placeholders(data):
        request_path = ["tags", *path[1:]] if path[:1] == ("jobTags",) else list(path)
        try:
            place = sensitive.at(API, "StartJobRun", "request", pointers.join(request_path))
        except JobrunContractsError:
            continue
        if place.sensitive:
            names.add(name)
    return names


def template_id(document: Mapping[str, Any]) -> str | None:
    """The id a template document names (a DescribeJobTemplate output, a JobTemplate), or None
    (a CreateJobTemplate input has none yet)."""
    held = document.get("jobTemplate", document)
    found = held.get("id") if isinstance(held, Mapping) else None
    return found if isinstance(found, str) else None


def needs_template(request: Mapping[str, Any]) -> str | None:
    """The job template a StartJobRun request runs from (a spec check cannot know it), or None."""
    template_id = request.get("jobTemplateId")
    return template_id if isinstance(template_id, str) else None


def is_number(value: str) -> bool:
    """Whether a NUMBER parameter's value is a number.

    The pages say only "NUMBER" (:data:`DEFINING_PARAMETERS`, :data:`PARAMETER_CONFIGURATION`). We
    take the JSON number grammar, the narrowest common reading: ``12``, ``-3``, ``0.5`` and ``1e6``
    are numbers; ``abc``, ``""``, ``" 12"``, ``0x1f``, ``NaN`` and ``007`` are not (our choice).
    """
    return _NUMBER.fullmatch(value) is not None


def placeholders(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every ``${Name}`` in the string values under ``value`` (map keys are names, not values): (path, Name)."""
    if isinstance(value, str):
        for match in PLACEHOLDER.finditer(value):
            yield path, match.group(1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from placeholders(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from placeholders(item, (*path, index))


def template_problems(data: Mapping[str, Any], base: str = "/jobTemplateData") -> list[Violation]:
    """What is wrong with a template's parameters (its schema aside); pointers start at ``base``.

    - Every ``${Name}`` in a value names a parameter of ``parameterConfiguration``: "For each of the job
      template parameter variables, specify its data type ... and optionally a default value"
      (:data:`DEFINING_PARAMETERS`).
    - Every parameter has a ``type``: the same sentence ("specify its data type"), though the model
      leaves ``type`` optional; a parameter without one is refused (our choice).
    - A ``NUMBER`` parameter's ``defaultValue`` is a number (:data:`PARAMETER_CONFIGURATION`; what a
      number is: :func:`is_number`).
    """
    declared = declared_parameters(data)
    found: list[Violation] = []
    for name, config in declared.items():
        where = f"{base}/parameterConfiguration/{pointers.escape(name)}"
        if "type" not in config:
            found.append(
                _violation(
                    f"{where}/type",
                    "required",
                    f"job template parameter {name} has no type: give STRING or NUMBER",
                    ["type"],
                    DEFINING_PARAMETERS,
                    "parameter-type",
                    choice=True,
                )
            )
        default = config.get("defaultValue")
        if config.get("type") == "NUMBER" and isinstance(default, str) and not is_number(default):
            found.append(
                _violation(
                    f"{where}/defaultValue",
                    "pattern",
                    f"job template parameter {name} is a NUMBER, but its defaultValue {_quote(default)} is not "
                    "a number",
                    NUMBER_PATTERN,
                    PARAMETER_CONFIGURATION,
                    "number-parameter",
                )
            )
    for member, value in data.items():
        if member == "parameterConfiguration":
            continue
        for path, name in placeholders(value, (member,)):
            if name not in declared:
                known = ", ".join(declared) or "none"
                found.append(
                    _violation(
                        base + pointers.join(list(path)),
                        "placeholder",
                        f"${{{name}}} names no parameter of the template's parameterConfiguration (declared: {known})",
                        sorted(declared),
                        DEFINING_PARAMETERS,
                        "declared-placeholder",
                    )
                )
    return found


def merge(template: Mapping[str, Any], request: Mapping[str, Any], *, reference_only: bool = False) -> Merged:
    """The StartJobRun request the service runs for ``request`` (which names the template), or why not.

    ``template`` is the template's ``jobTemplateData`` (or a document holding it: :func:`template_data`).
    The rules, in order:

    1. The run takes ``executionRoleArn``, ``releaseLabel``, ``jobDriver`` and ``configurationOverrides``
       from the template: "The values of StartJobRun API requests used in job runs started using the job
       template" (:data:`JOB_TEMPLATE_DATA`). The request may not give them as well: a template is for
       "enforcing certain values in StartJobRun API request" (:data:`JOB_TEMPLATE`), and the guide's run from
       a template gives only "the virtual cluster id, job template id, and job name" (:data:`CREATE_AND_USE`).
       What happens when both give one is not stated; refusing it is our choice, also where the template
       leaves ``configurationOverrides`` out. ``name``, ``tags``, ``retryPolicyConfiguration`` and
       ``clientToken`` come from the request (JobTemplateData has no such member).
    2. The run's ``tags`` are the template's ``jobTags`` and the request's ``tags`` together ("The tags
       assigned to jobs started using the job template", :data:`JOB_TEMPLATE_DATA`); a key both give with
       different values is refused (our choice: which one wins is not stated).
    3. Each parameter's value is the request's ``jobTemplateParameters`` entry, else its ``defaultValue``
       ("optionally a default value"); a parameter with neither is refused, naming it ("Values for these
       parameter variables will need to be specified when starting a job run", :data:`DEFINING_PARAMETERS`).
    4. A parameter the template does not declare is refused, naming it (our choice: the pages are silent).
    5. A ``NUMBER`` parameter whose value is not a number is refused, naming it (:data:`PARAMETER_CONFIGURATION`,
       :func:`is_number`).
    6. Every ``${Name}`` in a template value is replaced by the parameter's value, also inside a longer string
       (the guide's ``"--class ${MainClass} --conf ..."``): "You can choose to specify any value in a
       jobTemplateData field as a job template parameter" (:data:`DEFINING_PARAMETERS`). Replacement is one
       pass (a value holding ``${X}`` is not expanded again) and map keys are left alone (our choices: the
       page speaks of values).
    7. The merged request must be a valid StartJobRun request: a ``${RoleArn}`` filled with something that is
       no IAM role ARN is refused by StartJobRun's own constraints, which the violation cites.
    """
    data = template_data(template)
    violations = [_noted(v, "in the job template") for v in template_problems(data, "/jobTemplateData")]
    declared = declared_parameters(data)
    given = request.get("jobTemplateParameters") or {}
    if not isinstance(given, Mapping):  # the request's own type violation says it; no parameter is given
        return Merged(None, tuple(violations), {}, {})
    for member in TEMPLATE_MEMBERS:
        if member in request:
            violations.append(
                _violation(
                    f"/{member}",
                    "not",
                    f"{member} comes from the job template; a StartJobRun request that uses a job template may not "
                    "give it (make it a template parameter instead)",
                    {"required": [member]},
                    JOB_TEMPLATE,
                    "template-members",
                    choice=True,
                )
            )
    parameters: dict[str, str] = {}
    for name in given:
        if name not in declared:
            known = ", ".join(declared) or "none"
            violations.append(
                _violation(
                    f"/jobTemplateParameters/{pointers.escape(name)}",
                    "propertyNames",
                    f"job template parameter {name} is not declared by the template (declared: {known})",
                    {"enum": sorted(declared)},
                    DEFINING_PARAMETERS,
                    "undeclared-parameter",
                    choice=True,
                )
            )
    for name, config in declared.items():
        if name in given and isinstance(given[name], str):
            value, where = given[name], f"/jobTemplateParameters/{pointers.escape(name)}"
        elif isinstance(config.get("defaultValue"), str):
            value = config["defaultValue"]
            where = f"/jobTemplateData/parameterConfiguration/{pointers.escape(name)}/defaultValue"
        else:
            violations.append(
                _violation(
                    f"/jobTemplateParameters/{pointers.escape(name)}",
                    "required",
                    f"job template parameter {name} is required: the template gives it no defaultValue",
                    sorted(n for n, c in declared.items() if not isinstance(c.get("defaultValue"), str)),
                    DEFINING_PARAMETERS,
                    "required-parameter",
                )
            )
            continue
        parameters[name] = value
        if config.get("type") == "NUMBER" and not is_number(value) and where.startswith("/jobTemplateParameters"):
            violations.append(
                _violation(
                    where,
                    "pattern",
                    f"job template parameter {name} is a NUMBER, not {_quote(value)}",
                    NUMBER_PATTERN,
                    PARAMETER_CONFIGURATION,
                    "number-parameter",
                )
            )
    merged: dict[str, Any] = {k: request[k] for k in REQUEST_MEMBERS if k in request}
    origins: dict[str, str] = {}
    for member in TEMPLATE_MEMBERS:
        if member in data:
            merged[member] = _substitute(data[member], parameters)
            origins[f"/{member}"] = f"/jobTemplateData/{member}"
    template_tags = data.get("jobTags")
    if isinstance(template_tags, Mapping) and template_tags:
        tags = {k: _substitute(v, parameters) for k, v in template_tags.items()}
        given_tags = request.get("tags")
        for key, value in (given_tags if isinstance(given_tags, Mapping) else {}).items():
            if key in tags and tags[key] != value:
                violations.append(
                    _violation(
                        f"/tags/{pointers.escape(key)}",
                        "const",
                        f"tag {key} is set by the job template's jobTags to {_quote(tags[key])}; the request may "
                        "not give it another value",
                        tags[key],
                        JOB_TEMPLATE_DATA,
                        "template-tags",
                        choice=True,
                    )
                )
            tags[key] = value
        merged["tags"] = tags
        origins["/tags"] = "/jobTemplateData/jobTags"
    if violations:
        return Merged(None, tuple(hide_parameters(violations, data, request)), parameters, origins)
    checked = validator_for(API, "StartJobRun", "request", strict=False, reference_only=reference_only).validate(merged)
    if checked:
        return Merged(None, tuple(_from_template(v, origins) for v in checked), parameters, origins)
    return Merged(merged, (), parameters, origins)


# -- helpers ------------------------------------------------------------------------------------


def declared_parameters(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """A template's parameters by name, each its configuration ({} where it is no object)."""
    config = data.get("parameterConfiguration") or {}
    if not isinstance(config, Mapping):
        return {}
    return {str(name): (c if isinstance(c, Mapping) else {}) for name, c in config.items()}


def _substitute(value: Any, parameters: Mapping[str, str]) -> Any:
    """``value`` with every ``${Name}`` in its string values replaced, in one pass; map keys stay as they are."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: parameters.get(m.group(1), m.group(0)), value)
    if isinstance(value, Mapping):
        return {key: _substitute(item, parameters) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, parameters) for item in value]
    return value


def _from_template(violation: Violation, origins: Mapping[str, str]) -> Violation:
    """A violation of the merged request, saying where in the template its value came from."""
    for merged, origin in origins.items():
        if violation.pointer == merged or violation.pointer.startswith(merged + "/"):
            where = origin + violation.pointer[len(merged) :]
            return _noted(violation, f"the job template's {where}, with its parameters filled in")
    if violation.keyword == "required":  # the merged run has no jobTemplateId: the template lacks the member
        message = violation.message.removesuffix(" when jobTemplateId is not given")
        return replace(violation, message=f"{message} (neither the job template nor the request gives it)")
    return violation


def _noted(violation: Violation, note: str) -> Violation:
    return replace(violation, message=f"{violation.message} ({note})")


def _violation(
    pointer: str,
    keyword: str,
    message: str,
    constraint: Any,
    citation: Citation,
    rule: str,
    *,
    choice: bool = False,
) -> Violation:
    source = f"{citation}; {OUR_CHOICE}" if choice else str(citation)
    level = "choice" if choice else citation.provenance  # where the pages are silent, the rule is ours
    return Violation(pointer, keyword, message, constraint, source, f"{_RULES_URI}#{rule}", provenance=level)


def _quote(value: str, limit: int = 60) -> str:
    text = repr(value) if len(value) <= limit else repr(value[: limit - 4] + "…")
    return text
