"""Country to world region (UN M49 continents, the Americas split in two), for profiles.

Region keys are stable identifiers for the message catalogue, not display text.
"""

from __future__ import annotations

_CODES: dict[str, str] = {
    "africa": (
        "DZ EG LY MA SD TN EH BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS TZ UG ZM ZW "
        "IO TF AO CM CF TD CG CD GQ GA ST BW SZ LS NA ZA BJ BF CV CI GM GH GN GW LR ML MR "
        "NE NG SH SN SL TG"
    ),
    "northern_america": "BM CA GL PM US",
    "latin_america": (
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC "
        "VI BZ CR SV GT HN MX NI PA AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"
    ),
    "asia": (
        "KZ KG TJ TM UZ CN HK MO KP JP MN KR TW BN KH ID LA MY MM PH SG TH TL VN AF BD BT "
        "IN IR MV NP PK LK AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"
    ),
    "europe": (
        "BY BG CZ HU PL MD RO RU SK UA AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB AL "
        "AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK AT BE FR DE LI LU MC NL CH"
    ),
    "oceania": (
        "AU NZ NF HM CX CC FJ NC PG SB VU GU KI MH FM NR MP PW UM AS CK PF NU PN WS TK TO TV WF"
    ),
    "antarctica": "AQ",
}

REGIONS: tuple[str, ...] = tuple(_CODES)
"""Region keys, in a fixed order."""

_REGION_OF: dict[str, str] = {
    code: region for region, codes in _CODES.items() for code in codes.split()
}
_ALIASES = {"UK": "GB", "EL": "GR"}


def region_of(country: str | None) -> str | None:
    """The region key of an ISO 3166-1 alpha-2 country code (any case), None if unknown."""
    if not country:
        return None
    code = country.strip().upper()
    return _REGION_OF.get(_ALIASES.get(code, code))
