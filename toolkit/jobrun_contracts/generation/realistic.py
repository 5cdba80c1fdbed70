"""What real job specs look like, offered first for the fields that have a recognisable shape.

Every value offered here is still filtered through the field's schema by the compiler, so this
module only makes generation look like the specs people submit (``s3://`` and ``oss://`` entry
points, ``--conf key=value`` parameters, release labels, role ARNs, tags); it never decides what
is valid. Fields are recognised by name, so the same vocabulary serves all three APIs.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable
from typing import Any

from .compiler import Realistic, Source

Builder = Callable[[Source], Any]

_LOWER_ALNUM = string.ascii_lowercase + string.digits
_BUCKETS = ["analytics-prod", "data-lake-raw", "my-company-emr", "etl-artifacts-123456789012", "spark-jobs"]
_DIRS = ["jobs", "scripts", "jars", "sql", "pipelines/daily", "apps/v2", "code/etl"]
_SCRIPTS = ["etl.py", "wordcount.py", "aggregate_sales.py", "ingest_events.py", "pi.py", "transform.py"]
_JARS = ["spark-app-1.0.jar", "etl-assembly-2.3.1.jar", "spark-examples.jar", "pipeline-all.jar"]
_SQL = ["daily_report.sql", "merge_orders.sql", "build_features.sql"]
_CLASSES = ["com.example.Main", "org.apache.spark.examples.SparkPi", "com.acme.etl.DailyJob", "io.data.Ingest"]
_CONF = {  # spark properties real job specs set, each with values it takes
    "spark.executor.cores": ["4", "2", "8"],
    "spark.executor.memory": ["16g", "8g", "4g", "30g"],
    "spark.driver.cores": ["4", "2", "1"],
    "spark.driver.memory": ["8g", "4g", "16g"],
    "spark.executor.instances": ["2", "10", "50"],
    "spark.dynamicAllocation.enabled": ["true", "false"],
    "spark.dynamicAllocation.maxExecutors": ["200", "20", "100"],
    "spark.sql.shuffle.partitions": ["200", "400", "64"],
    "spark.sql.adaptive.enabled": ["true", "false"],
    "spark.serializer": ["org.apache.spark.serializer.KryoSerializer"],
    "spark.hadoop.hive.metastore.client.factory.class": [
        "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
    ],
    "spark.emr-serverless.driverEnv.PYSPARK_PYTHON": ["./environment/bin/python"],
    "spark.archives": ["s3://spark-jobs/envs/pyspark_venv.tar.gz#environment"],
    "spark.jars.packages": ["org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.5.0"],
    "spark.kubernetes.container.image": ["123456789012.dkr.ecr.us-east-1.amazonaws.com/spark/emr-7.1.0:latest"],
    "spark.sql.catalog.glue_catalog": ["org.apache.iceberg.spark.SparkCatalog"],
    "spark.sql.extensions": ["org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"],
    "spark.app.name": ["nightly-etl", "daily-aggregation"],
}
_CONF_KEYS = list(_CONF)
_CONF_VALUES = sorted({v for values in _CONF.values() for v in values})
_CLASSIFICATIONS = ["spark-defaults", "spark-env", "spark-hive-site", "spark-log4j2", "hive-site", "export"]
_TAG_KEYS = ["team", "env", "cost-center", "owner", "project", "pipeline", "environment", "app"]
_TAG_VALUES = ["data", "prod", "staging", "dev", "analytics", "1234", "etl", "ml-platform", "finance"]
_NAMES = ["nightly-etl", "daily-aggregation", "wordcount", "ingest-events", "build-features", "sales_report"]
_ROLES = ["EMRServerlessJobRole", "emr-on-eks-job-execution-role", "service-role/EMRJobExecution", "SparkJobRole"]
_RELEASES_AWS = ["emr-6.15.0", "emr-7.1.0", "emr-7.5.0", "emr-6.9.0", "emr-7.0.0"]
_RELEASES_EKS = ["emr-6.15.0-latest", "emr-7.1.0-latest", "emr-6.10.0-20230421"]
_RELEASES_ALIBABA = ["esr-3.3.1", "esr-4.0.0 (Spark 3.5.2, Scala 2.12)", "esr-2.5.0 (Spark 3.3.1, Scala 2.12)"]
_QUEUES = ["root_queue", "dev_queue", "etl"]
_ARGUMENTS = ["--date", "2024-01-01", "--env", "prod", "--input", "--output", "-v"]
_REGIONS_AWS = ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"]
_WORKER_TYPES = ["SPARK_DRIVER", "SPARK_EXECUTOR", "HIVE_DRIVER", "TEZ_TASK"]
_LOG_TYPES = ["STDOUT", "STDERR", "HIVE_LOG", "TEZ_AM", "SYSTEM_LOGS"]
_LOG_GROUPS = ["/aws/emr-serverless", "/aws/emr-containers/jobs", "/emr/spark/nightly"]
_POLICY_ARNS = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::123456789012:policy/EmrJobData"]
_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'


def _id(length: int, alphabet: str = _LOWER_ALNUM) -> Builder:
    return lambda src: "".join(src.random.choices(alphabet, k=length))


def _conf_params(src: Source) -> str:
    """``--conf key=value`` parameters, now and then a ``--class``, as real submissions carry."""
    parts = [f"--class {src.pick(_CLASSES)}"] if src.odds(5) else []
    for _ in range(src.integer(1, 60)):
        key = src.pick(_CONF_KEYS)
        parts.append(f"--conf {key}={src.pick(_CONF[key])}")
    return " ".join(parts)


def _entry_point(scheme: str) -> Builder:
    def build(src: Source) -> str:
        kind = src.pick([_SCRIPTS, _JARS, _SQL])
        return f"{scheme}://{src.pick(_BUCKETS)}/{src.pick(_DIRS)}/{src.pick(kind)}"

    return build


def _role_arn(src: Source) -> str:
    return f"arn:aws:iam::{_account(src)}:role/{src.pick(_ROLES)}"


_account = _id(12, string.digits)


def _kms_key_arn(src: Source) -> str:
    key = uuid.UUID(int=src.random.getrandbits(128), version=4)
    return f"arn:aws:kms:{src.pick(_REGIONS_AWS)}:{_account(src)}:key/{key}"


def _remote_write_url(src: Source) -> str:
    workspace = uuid.UUID(int=src.random.getrandbits(128), version=4)
    return (
        f"https://aps-workspaces.{src.pick(_REGIONS_AWS)}.amazonaws.com/workspaces/ws-{workspace}/api/v1/remote_write"
    )


USUAL = frozenset(
    {
        "jobDriver", "executionRoleArn", "name", "releaseLabel", "configurationOverrides", "tags",
        "sparkSubmitParameters", "entryPointArguments", "sparkSqlParameters", "applicationConfiguration",
        "monitoringConfiguration", "s3MonitoringConfiguration", "logUri", "properties",
        "codeType", "releaseVersion", "resourceQueueId", "configurations", "sparkSubmit", "entryPoint",
        "configFileName", "configItemKey", "configItemValue", "key", "value",
        # responses: what a real service returns even where the model marks nothing required
        "jobRun", "jobRuns", "id", "arn", "state", "virtualClusterId", "jobRunId", "workspaceId",
        "requestId", "submitTime", "createdAt",
    }
)  # fmt: skip


def providers(api: str) -> dict[str, Realistic]:
    """Realistic values by field name (``tags.key`` is a tag map's key): the values to pick
    from, or a builder that makes one from a source of decisions (``compiler.Source``)."""
    scheme = "oss" if api.startswith("alibaba") else "s3"

    def bucket_uri(src: Source) -> str:
        return f"{scheme}://{src.pick(_BUCKETS)}/{src.pick(_DIRS)}/"

    def argument(src: Source) -> str:
        return bucket_uri(src) if src.odds(2) else src.pick(_ARGUMENTS)

    def name(src: Source) -> str:
        number = src.integer(0, 999)
        return f"{src.pick(_NAMES)}-{number}" if number else src.pick(_NAMES)

    common: dict[str, Realistic] = {
        "entryPoint": _entry_point(scheme),
        "entryPointArguments[]": argument,
        "sparkSubmitParameters": _conf_params,
        "sparkSqlParameters": _conf_params,
        "name": name,
        "clientToken": lambda src: str(uuid.UUID(int=src.random.getrandbits(128), version=4)),
        "executionRoleArn": _role_arn,
        "executionRole": _role_arn,
        "logUri": bucket_uri,
        "tags.key": _TAG_KEYS,
        "tags.value": _TAG_VALUES,
        "classification": _CLASSIFICATIONS,
        "properties.key": _CONF_KEYS,
        "properties.value": _CONF_VALUES,
        "query": ["SELECT count(*) FROM sales", "INSERT OVERWRITE TABLE t SELECT * FROM s"],
        "initQueryFile": _entry_point(scheme),
        "parameters": ["--hiveconf hive.exec.scratchdir=s3://spark-jobs/hive/scratch"],
        "executionTimeoutMinutes": [60, 120, 360, 720, 1440],
        "executionTimeoutSeconds": [600, 3600, 7200, 86400],
        "resourceQueueId": _QUEUES,
        "configFileName": ["spark-defaults.conf", "common.conf", "hive-site.xml"],
        "configItemKey": _CONF_KEYS,
        "configItemValue": _CONF_VALUES,
        "key": _TAG_KEYS,
        "value": _TAG_VALUES,
        "encryptionKeyArn": _kms_key_arn,
        "logGroupName": _LOG_GROUPS,
        "logStreamNamePrefix": ["nightly-etl", "spark", "jobs/"],
        "logTypes.key": _WORKER_TYPES,
        "logTypes.value[]": _LOG_TYPES,
        "remoteWriteUrl": _remote_write_url,
        "policyArns[]": _POLICY_ARNS,
        "policy": [_POLICY],
    }
    if api == "aws-emr-serverless":
        common.update(applicationId=_id(16), jobRunId=_id(16), id=_id(16), releaseLabel=_RELEASES_AWS)
    elif api == "aws-emr-containers":
        common.update(virtualClusterId=_id(25), id=_id(19), jobRunId=_id(19), releaseLabel=_RELEASES_EKS)
    else:
        hex_id = _id(16, "0123456789abcdef")
        common.update(
            workspaceId=lambda src: f"w-{hex_id(src)}",
            jobRunId=lambda src: f"jr-{hex_id(src)}",
            releaseVersion=_RELEASES_ALIBABA,
            displayReleaseVersion=_RELEASES_ALIBABA,
            regionId=["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"],
        )
    return common
