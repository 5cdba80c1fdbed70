"""The string formats the schemas assert, checked the same way by validation and generation."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

# ISO 8601 as botocore's serializer writes it and its parser reads it: a date, or a date-time
# with optional seconds, fraction and offset. The calendar is checked separately.
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?\Z", re.ASCII
)
_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII)


def _calendar(match: re.Match[str] | None) -> bool:
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups()[:6])
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def is_iso8601_timestamp(value: str) -> bool:
    return _calendar(_ISO.match(value))


def is_date_time(value: str) -> bool:
    return _calendar(_RFC3339.match(value))


def iso8601_seconds(value: str) -> float:
    """Epoch seconds of a valid ``iso8601-timestamp`` (no offset means UTC, as botocore reads it)."""
    match = _ISO.match(value)
    if match is None:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups()[:6])
    fraction = re.search(r"\.(\d+)", value[10:])
    try:
        seconds = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc).timestamp()
    except (ValueError, OverflowError) as error:
        raise ValueError(f"not a calendar moment: {value!r} ({error})") from None
    offset = match.group(7)
    if offset and offset not in ("Z", "z"):  # float arithmetic: an offset at year 1 or 9999 must not overflow
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds + (float("0." + fraction.group(1)) if fraction else 0.0)


def timestamp_seconds(value: Any) -> float | None:
    """Epoch seconds of a timestamp in any form the APIs use (a number, ISO 8601), or None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return iso8601_seconds(value)
        except ValueError:
            return None
    return None


def as_utc(moment: datetime | None) -> datetime:
    """A moment in UTC (naive ones are taken as UTC); now, when none is given. Signatures date requests so."""
    if moment is None:
        return datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def iso_utc(seconds: float) -> str:
    """ISO 8601 in UTC with a ``Z``, as botocore writes request timestamps and EMR on EKS writes dates.

    Raises OverflowError, OSError or ValueError beyond what a calendar can show.
    """
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}" if moment.microsecond else "") + "Z"


CHECKERS = {"iso8601-timestamp": is_iso8601_timestamp, "date-time": is_date_time}


def is_sdk_timestamp(value: str) -> bool:
    """A request timestamp as the AWS SDK reads it from a person: whatever botocore's own parser takes
    (``Jan 1 2024``, epoch seconds as text, ISO 8601 with a real offset), where botocore is installed.

    botocore converts it before sending, so on the wire the stricter ``iso8601-timestamp`` holds.
    Without botocore, the strict form is the judge.
    """
    parse = _botocore_parser()
    if parse is None:
        return is_iso8601_timestamp(value)
    try:
        parse(value)
    except Exception:  # botocore raises RuntimeError too (a long digit string), not only ValueError
        return False
    return True


@cache
def _botocore_parser() -> Any:
    try:
        from botocore.utils import parse_to_aware_datetime
    except ImportError:
        return None
    return parse_to_aware_datetime


#: Job specs as people write them (``wire=False``): timestamps as the SDK reads them.
SPEC_CHECKERS = {**CHECKERS, "iso8601-timestamp": is_sdk_timestamp}


def sample(name: str, seconds: int) -> str:
    """A valid value of a format, ``seconds`` after 2020-01-01."""
    moment = datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)
    if name == "iso8601-timestamp" and seconds % 3 == 0:
        return date(moment.year, moment.month, moment.day).isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


INVALID = {"iso8601-timestamp": "2024-02-30", "date-time": "2024-13-01T00:00:00Z"}
