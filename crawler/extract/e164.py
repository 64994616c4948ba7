"""E.164 phone numbers: format a parsed number, read and validate a candidate string
in a region (cached: the same advertiser's number turns up in ad after ad), and the
region code phone numbers are read with."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat

#: Fewer digits than this are never a phone number.
MIN_DIGITS = 7


def to_e164(number: phonenumbers.PhoneNumber) -> str:
    """Format a parsed number as E.164 (``+595981234567``)."""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def valid_e164(candidate: str, region: str | None) -> str | None:
    """``candidate`` as an E.164 number when it parses in ``region`` and is valid, else None."""
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    return to_e164(number) if phonenumbers.is_valid_number(number) else None


def phone_region(region: str | None) -> str | None:
    """The ISO2 region code numbers are read with: upper-cased, "UK" as "GB"; None for
    anything else than a string."""
    if not region or not isinstance(region, str):
        return None
    region = region.strip().upper()
    return "GB" if region == "UK" else region
