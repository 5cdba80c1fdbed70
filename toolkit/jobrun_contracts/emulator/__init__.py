"""The reference emulator of the three job-run APIs: in memory, on an emulated clock, over real HTTP.

with EmulatorServer() as server:        # a real server on a free loopback port
    boto3.client("emr-serverless", endpoint_url=server.url, ...)
    server.emulator.advance(120)        # runs move on; no sleeping
"""

from ._clock import Clock
from ._runs import Timings
from ._server import EmulatorServer
from .app import CONTROL_PREFIX, Emulator, ResponseProblem

__all__ = ["CONTROL_PREFIX", "Clock", "Emulator", "EmulatorServer", "ResponseProblem", "Timings"]
