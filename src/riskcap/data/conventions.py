"""Market conventions of bonds and swaps, as data: the names an instruments file may
use for calendars, day counts and business-day rules, and each currency's defaults.

The names are riskcap's; :mod:`riskcap.inputs.schedules` turns them into QuantLib
objects when a book is prepared (schedules, accrual fractions and payment dates are
QuantLib's, never hand-rolled). An instrument names its conventions in the columns
``calendar``, ``day_count``, ``float_day_count``, ``business_day_convention``,
``float_frequency`` and ``start_date``; a column left empty takes its currency's
default from :data:`CURRENCY_DEFAULTS` (a currency not listed takes
:data:`OTHER_CURRENCY`).

Swaps are fixed against an overnight (OIS) or term (IBOR-like) index whose curve is the
swap's ``projection_curve`` (default: its discount curve ``<CCY>.ZERO``, the currency's
OIS curve: USD SOFR, EUR €STR, GBP SONIA, JPY TONA).
"""

from __future__ import annotations

from dataclasses import dataclass

# calendar name → what it is (QuantLib's calendar of that market); join with "+"
CALENDARS = {
    "US": "United States government bond market (SIFMA; SOFR fixings)",
    "TARGET": "TARGET2 (euro payments)",
    "UK": "United Kingdom settlement (SONIA)",
    "JP": "Japan (TONA)",
    "WEEKENDS": "weekends only",
    "NONE": "no holidays, not even weekends",
}
# day count name → the convention (QuantLib's day counter)
DAY_COUNTS = {
    "ACT/360": "actual/360",
    "ACT/365F": "actual/365 fixed",
    "30/360": "30/360 bond basis (ISDA 30/360)",
    "30E/360": "30E/360 (Eurobond basis)",
    "ACT/ACT": "actual/actual ISDA",
    "ACT/ACT.ICMA": "actual/actual ICMA (bonds: by coupon period)",
}
BUSINESS_DAY_CONVENTIONS = {
    "following": "next business day",
    "modified_following": "next business day unless in the next month, then the previous",
    "preceding": "previous business day",
    "unadjusted": "the date as scheduled",
}

PAYMENT_FREQUENCIES = (1, 2, 3, 4, 6, 12)  # payments a year (regular periods in months)


@dataclass(frozen=True)
class CurrencyDefaults:
    calendar: str
    bond_day_count: str  # bonds' coupons
    fixed_day_count: str  # a swap's fixed leg
    float_day_count: str  # a swap's floating leg (and its index)
    business_day_convention: str = "modified_following"


# Each currency's market defaults (ISDA/ICMA practice for government bonds and OIS swaps
# on the risk-free rate of the currency).
CURRENCY_DEFAULTS = {
    "USD": CurrencyDefaults("US", "30/360", "ACT/360", "ACT/360"),
    "EUR": CurrencyDefaults("TARGET", "ACT/ACT.ICMA", "30/360", "ACT/360"),
    "GBP": CurrencyDefaults("UK", "ACT/ACT.ICMA", "ACT/365F", "ACT/365F"),
    "JPY": CurrencyDefaults("JP", "ACT/365F", "ACT/365F", "ACT/365F"),
}
OTHER_CURRENCY = CurrencyDefaults("WEEKENDS", "ACT/365F", "ACT/365F", "ACT/365F")


def defaults_of(currency: str) -> CurrencyDefaults:
    return CURRENCY_DEFAULTS.get(currency, OTHER_CURRENCY)


def is_calendar(name: object) -> bool:
    """``name`` is a calendar or a ``+``-join of calendars (``"TARGET+UK"``)."""
    return isinstance(name, str) and all(part in CALENDARS for part in name.split("+"))
