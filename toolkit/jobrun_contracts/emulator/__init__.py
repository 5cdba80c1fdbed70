"""The reference emulator of the three job-run APIs: in memory, on an emulated clock, over real HTTP.

with EmulatorServer() as server:        # a real server on a free loopback port
    boto3.client("emr-serverless", endpoint_url=server.url, ...)
    server.emulator.advance(120)        # runs move on; no sleeping
"""

from .app import CONTROL_PREFIX, Emulator, ResponseProblem
from .clock import Clock
from .runs import Timings
from .server import EmulatorServer

__all__ = ["CONTROL_PREFIX", "Clock", "Emulator", "EmulatorServer", "ResponseProblem", "Timings"]
