"""Check SDK calls' parameters with our validator before the SDK sends them.

``guard(client)`` hooks a boto3 ``emr-serverless``/``emr-containers`` client (or a session, for
every client it makes later) or an Alibaba ``emr-serverless-spark`` client; a job-run call whose
parameters break a documented constraint raises :class:`GuardError` before any network traffic,
which botocore and the Alibaba SDK do not do themselves (botocore checks no max, pattern or enum).
"""

from .checking import GuardError
from .dispatch import guard, guard_everywhere, unguard

__all__ = ["GuardError", "guard", "guard_everywhere", "unguard"]
