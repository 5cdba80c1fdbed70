"""The ARNs of job runs and their containers, and the example account and region used where none is given.

Formats from the API references' patterns: EMR Serverless ``JobArn`` and application ARNs
(``arn:aws:emr-serverless:<region>:<account>:/applications/<id>[/jobruns/<id>]``), EMR on EKS
``JobRun.arn`` and ``VirtualCluster.arn`` (``.../virtualclusters/<id>[/jobruns/<id>]``).
Alibaba's runs carry no ARN. ``123456789012`` is the AWS documentation's example account.
"""

from __future__ import annotations

EXAMPLE_ACCOUNT = "123456789012"
EXAMPLE_REGION = "us-east-1"

_SERVICE = {
    "aws-emr-serverless": ("emr-serverless", "applications"),
    "aws-emr-containers": ("emr-containers", "virtualclusters"),
}


def container_arn(api: str, container: str, region: str = EXAMPLE_REGION, account: str = EXAMPLE_ACCOUNT) -> str:
    """An EMR Serverless application's or an EMR on EKS virtual cluster's ARN."""
    service, kind = _SERVICE[api]
    return f"arn:aws:{service}:{region}:{account}:/{kind}/{container}"


def job_run_arn(
    api: str, container: str, run_id: str, region: str = EXAMPLE_REGION, account: str = EXAMPLE_ACCOUNT
) -> str:
    return f"{container_arn(api, container, region, account)}/jobruns/{run_id}"


def region_and_account(arn: str | None) -> tuple[str, str]:
    """The region and account an ARN names (the examples where it names none), so a rebuilt one keeps them."""
    region, account = EXAMPLE_REGION, EXAMPLE_ACCOUNT
    if arn and arn.count(":") >= 5:
        parts = arn.split(":")
        region = parts[3] or region
        account = parts[4] if parts[4].isdigit() and len(parts[4]) == 12 else account
    return region, account
