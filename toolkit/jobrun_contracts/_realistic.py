"""What real job specs look like, offered first for the fields that have a recognisable shape.

Every value offered here is still filtered through the field's schema by the compiler, so this
module only makes generation look like the specs people submit (``s3://`` and ``oss://`` entry
points, ``--conf key=value`` parameters, release labels, role ARNs, tags); it never decides what
is valid. Fields are recognised by name, so the same vocabulary serves all three APIs.
"""

from __future__ import annotations

import random
import string
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

_LOWER_ALNUM = string.ascii_lowercase + string.digits
_BUCKETS = ["analytics-prod", "data-lake-raw", "my-company-emr", "etl-artifacts-123456789012", "spark-jobs"]
_DIRS = ["jobs", "scripts", "jars", "sql", "pipelines/daily", "apps/v2", "code/etl"]
_SCRIPTS = ["etl.py", "wordcount.py", "aggregate_sales.py", "ingest_events.py", "pi.py", "transform.py"]
_JARS = ["spark-app-1.0.jar", "etl-assembly-2.3.1.jar", "spark-examples.jar", "pipeline-all.jar"]
_SQL = ["daily_report.sql", "merge_orders.sql", "build_features.sql"]
_CLASSES = ["com.example.Main", "org.apache.spark.examples.SparkPi", "com.acme.etl.DailyJob", "io.data.Ingest"]
_CONF_KEYS = [
    "spark.executor.cores",
    "spark.executor.memory",
    "spark.driver.cores",
    "spark.driver.memory",
    "spark.executor.instances",
    "spark.dynamicAllocation.enabled",
    "spark.dynamicAllocation.maxExecutors",
    "spark.sql.shuffle.partitions",
    "spark.sql.adaptive.enabled",
    "spark.serializer",
    "spark.hadoop.hive.metastore.client.factory.class",
    "spark.emr-serverless.driverEnv.PYSPARK_PYTHON",
    "spark.archives",
    "spark.jars.packages",
    "spark.kubernetes.container.image",
    "spark.sql.catalog.glue_catalog",
    "spark.sql.extensions",
    "spark.app.name",
]
_CONF_VALUES = ["4", "16g", "true", "false", "200", "2", "8g", "org.apache.spark.serializer.KryoSerializer",
                "s3://spark-jobs/envs/pyspark_venv.tar.gz#environment", "./environment/bin/python",
                "org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.5.0", "nightly-etl"]  # fmt: skip
_CLASSIFICATIONS = ["spark-defaults", "spark-env", "spark-hive-site", "spark-log4j2", "hive-site", "export"]
_TAG_KEYS = ["team", "env", "cost-center", "owner", "project", "pipeline", "environment", "app"]
_TAG_VALUES = ["data", "prod", "staging", "dev", "analytics", "1234", "etl", "ml-platform", "finance"]
_NAMES = ["nightly-etl", "daily-aggregation", "wordcount", "ingest-events", "build-features", "sales_report"]
_ROLES = ["EMRServerlessJobRole", "emr-on-eks-job-execution-role", "service-role/EMRJobExecution", "SparkJobRole"]
_RELEASES_AWS = ["emr-6.15.0", "emr-7.1.0", "emr-7.5.0", "emr-6.9.0", "emr-7.0.0"]
_RELEASES_EKS = ["emr-6.15.0-latest", "emr-7.1.0-latest", "emr-6.10.0-20230421"]
_RELEASES_ALIBABA = ["esr-3.3.1", "esr-4.0.0 (Spark 3.5.2, Scala 2.12)", "esr-2.5.0 (Spark 3.3.1, Scala 2.12)"]
_SEEDS = st.integers(0, 2**64 - 1)
_QUEUES = ["root_queue", "dev_queue", "etl"]


def _id(length: int) -> SearchStrategy[str]:
    return st.text(alphabet=_LOWER_ALNUM, min_size=length, max_size=length)


def _account() -> SearchStrategy[str]:
    return st.text(alphabet=string.digits, min_size=12, max_size=12)


@st.composite
def _conf_params(draw: Any, *, jar: bool = False) -> str:
    """``--conf key=value`` parameters: Hypothesis picks how many, a seeded generator picks which."""
    count = draw(st.integers(1, 60))
    rng = random.Random(draw(_SEEDS))
    parts = [f"--class {rng.choice(_CLASSES)}"] if jar or rng.random() < 0.2 else []
    parts.extend(f"--conf {rng.choice(_CONF_KEYS)}={rng.choice(_CONF_VALUES)}" for _ in range(count))
    return " ".join(parts)


@st.composite
def _entry_point(draw: Any, scheme: str) -> str:
    kind = draw(st.sampled_from([_SCRIPTS, _JARS, _SQL]))
    return f"{scheme}://{draw(st.sampled_from(_BUCKETS))}/{draw(st.sampled_from(_DIRS))}/{draw(st.sampled_from(kind))}"


@st.composite
def _role_arn(draw: Any) -> str:
    return f"arn:aws:iam::{draw(_account())}:role/{draw(st.sampled_from(_ROLES))}"


USUAL = frozenset(
    {
        "jobDriver", "executionRoleArn", "name", "releaseLabel", "configurationOverrides", "tags",
        "sparkSubmitParameters", "entryPointArguments", "sparkSqlParameters", "applicationConfiguration",
        "monitoringConfiguration", "s3MonitoringConfiguration", "logUri", "properties",
        "codeType", "releaseVersion", "resourceQueueId", "configurations",
        # responses: what a real service returns even where the model marks nothing required
        "jobRun", "jobRuns", "id", "arn", "state", "virtualClusterId", "jobRunId", "workspaceId",
        "requestId", "submitTime", "createdAt",
    }
)  # fmt: skip


def providers(api: str) -> dict[str, SearchStrategy[Any]]:
    """Realistic values by field name (``tags.key`` is a tag map's key)."""
    scheme = "oss" if api.startswith("alibaba") else "s3"
    bucket_uri = st.builds(lambda b, d: f"{scheme}://{b}/{d}/", st.sampled_from(_BUCKETS), st.sampled_from(_DIRS))
    arguments = st.one_of(
        st.sampled_from(["--date", "2024-01-01", "--env", "prod", "--input", "--output", "-v"]), bucket_uri
    )
    common: dict[str, SearchStrategy[Any]] = {
        "entryPoint": _entry_point(scheme),
        "entryPointArguments[]": arguments,
        "sparkSubmitParameters": _conf_params(),
        "sparkSqlParameters": _conf_params(),
        "name": st.builds(lambda n, i: f"{n}-{i}" if i else n, st.sampled_from(_NAMES), st.integers(0, 999)),
        "clientToken": st.uuids().map(str),
        "executionRoleArn": _role_arn(),
        "executionRole": _role_arn(),
        "logUri": bucket_uri,
        "tags.key": st.sampled_from(_TAG_KEYS),
        "tags.value": st.sampled_from(_TAG_VALUES),
        "classification": st.sampled_from(_CLASSIFICATIONS),
        "properties.key": st.sampled_from(_CONF_KEYS),
        "properties.value": st.sampled_from(_CONF_VALUES),
        "query": st.sampled_from(["SELECT count(*) FROM sales", "INSERT OVERWRITE TABLE t SELECT * FROM s"]),
        "initQueryFile": _entry_point(scheme),
        "parameters": st.just("--hiveconf hive.exec.scratchdir=s3://spark-jobs/hive/scratch"),
        "executionTimeoutMinutes": st.sampled_from([60, 120, 360, 720, 1440]),
        "executionTimeoutSeconds": st.sampled_from([600, 3600, 7200, 86400]),
        "resourceQueueId": st.sampled_from(_QUEUES),
        "configFileName": st.sampled_from(["spark-defaults.conf", "common.conf", "hive-site.xml"]),
        "configItemKey": st.sampled_from(_CONF_KEYS),
        "configItemValue": st.sampled_from(_CONF_VALUES),
        "key": st.sampled_from(_TAG_KEYS),
        "value": st.sampled_from(_TAG_VALUES),
    }
    if api == "aws-emr-serverless":
        common.update(applicationId=_id(16), jobRunId=_id(16), id=_id(16), releaseLabel=st.sampled_from(_RELEASES_AWS))
    elif api == "aws-emr-containers":
        common.update(
            virtualClusterId=_id(25), id=_id(19), jobRunId=_id(19), releaseLabel=st.sampled_from(_RELEASES_EKS)
        )
    else:
        hex_id = st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)
        common.update(
            workspaceId=hex_id.map(lambda h: f"w-{h}"),
            jobRunId=hex_id.map(lambda h: f"jr-{h}"),
            releaseVersion=st.sampled_from(_RELEASES_ALIBABA),
            displayReleaseVersion=st.sampled_from(_RELEASES_ALIBABA),
            regionId=st.sampled_from(["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"]),
        )
    return common
