"""Credit risk capital of the banking book: the standardised approach (CRE20–22) and the
internal ratings-based approach (CRE31–32), as pure functions over arrays.

Every regulatory table is data below, tagged with its paragraph of the Basel Framework
(consolidated, the December 2017 Basel III reforms in force from 2023). Ratings are the
letter grades riskcap stores (``AAA`` … ``CCC``, ``D`` in default, ``NR`` unrated); a
grade stands for its whole notch range (``A`` = A+ to A−), which is how the tables of
CRE20 are laid out, except that CRE20.42 splits BB− from B+ for corporates (``B`` is
"below BB−" there).

**Standardised approach.** ``RWA = RW × EAD`` with ``EAD = drawn + CCF × undrawn``
(CCFs of CRE20.93–20.101) after credit risk mitigation by the comprehensive approach
(CRE22.40–22.62): ``E* = max(0, E·(1 + He) − C·(1 − Hc − Hfx))`` with the supervisory
haircuts of CRE22.49–22.52.

**IRB.** For corporate, sovereign and bank exposures (CRE31.5–31.7)

.. math:: R = 0.12\\,\\frac{1-e^{-50\\,PD}}{1-e^{-50}}
              + 0.24\\Big(1 - \\frac{1-e^{-50\\,PD}}{1-e^{-50}}\\Big)
              - 0.04\\Big(1-\\frac{S-5}{45}\\Big)_{\\text{SME}}

.. math:: b = (0.11852 - 0.05478\\ln PD)^2

.. math:: K = \\Big[LGD\\,N\\Big(\\frac{G(PD) + \\sqrt{R}\\,G(0.999)}{\\sqrt{1-R}}\\Big)
              - PD\\cdot LGD\\Big]\\frac{1 + (M-2.5)\\,b}{1-1.5\\,b}

and ``RWA = K × 12.5 × EAD`` (CRE31.4; the 1.06 scaling factor of Basel II is gone).
Retail (CRE31.12–31.14) has no maturity adjustment: ``R = 0.15`` for residential
mortgages, ``0.04`` for qualifying revolving exposures and
``0.03·w + 0.16·(1 − w)``, ``w = (1 − e^{−35 PD}) / (1 − e^{−35})`` for other retail.
Large regulated financial institutions get ``1.25 × R`` (CRE31.6). Floors and the
foundation approach's supervisory LGD and maturity are in :func:`irb_parameters`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


class ExposureClass(enum.StrEnum):
    """Counterparty exposure classes (CRE20.4; the IRB's asset classes, CRE30.4)."""

    SOVEREIGN = "sovereign"
    BANK = "bank"
    CORPORATE = "corporate"
    RETAIL = "retail"
    EQUITY = "equity"


class Product(enum.StrEnum):
    """What an exposure is: decides its CCF, its real-estate treatment and its retail
    IRB class."""

    LOAN = "loan"
    BOND = "bond"  # held to collect
    MORTGAGE = "mortgage"  # residential real estate (CRE20.71–20.82)
    CRE_LOAN = "cre_loan"  # commercial real estate (CRE20.83–20.86)
    REVOLVING = "revolving"  # retail revolving: credit cards, overdrafts (QRRE under IRB)
    COMMITMENT = "commitment"  # undrawn committed facility (CCF 40%)
    COMMITMENT_UCC = "commitment_ucc"  # unconditionally cancellable (CCF 10%)
    GUARANTEE = "guarantee"  # direct credit substitute (CCF 100%)
    TRADE_LC = "trade_lc"  # short-term self-liquidating trade letter of credit (CCF 20%)
    TRANSACTION_CONTINGENT = "transaction_contingent"  # performance bonds (CCF 50%)
    EQUITY = "equity"  # equity holding in the banking book


class Approach(enum.StrEnum):
    """How a counterparty's exposures are risk-weighted."""

    SA = "sa"
    FIRB = "firb"  # foundation IRB: own PD, supervisory LGD and M (CRE32.6, CRE32.46)
    AIRB = "airb"  # advanced IRB: own PD, LGD and M (CRE32.16, CRE32.47)


class IrbClass(enum.StrEnum):
    """The IRB risk-weight functions (CRE31)."""

    CORPORATE = "corporate"  # also sovereigns and banks (CRE31.5)
    RESIDENTIAL_MORTGAGE = "residential_mortgage"  # CRE31.12
    QRRE = "qrre"  # qualifying revolving retail, CRE31.13
    OTHER_RETAIL = "other_retail"  # CRE31.14


class Collateral(enum.StrEnum):
    """Collateral types with a supervisory haircut (CRE22.49) or a real-estate role."""

    NONE = "none"
    CASH = "cash"
    SOVEREIGN_BOND = "sovereign_bond"
    OTHER_BOND = "other_bond"
    MAIN_INDEX_EQUITY = "main_index_equity"  # and gold
    OTHER_EQUITY = "other_equity"  # listed on a recognised exchange
    RESIDENTIAL_PROPERTY = "residential_property"
    COMMERCIAL_PROPERTY = "commercial_property"


FINANCIAL_COLLATERAL = frozenset(
    {
        Collateral.CASH,
        Collateral.SOVEREIGN_BOND,
        Collateral.OTHER_BOND,
        Collateral.MAIN_INDEX_EQUITY,
        Collateral.OTHER_EQUITY,
    }
)
PROPERTY = frozenset({Collateral.RESIDENTIAL_PROPERTY, Collateral.COMMERCIAL_PROPERTY})

# -- standardised approach: risk weights (CRE20) ---------------------------------------
# CRE20.7: sovereigns — AAA to AA− 0%, A 20%, BBB 50%, BB+ to B− 100%, below B− 150%,
# unrated 100%
SOVEREIGN_RW: dict[str, float] = {
    "AAA": 0.0, "AA": 0.0, "A": 0.20, "BBB": 0.50, "BB": 1.00, "B": 1.00,
    "CCC": 1.50, "NR": 1.00,
}  # fmt: skip
# CRE20.17 (ECRA, Table 4): banks — 20, 30, 50, 100, 150; short-term (≤ 3 months
# original maturity) 20, 20, 20, 50, 150
BANK_RW: dict[str, float] = {
    "AAA": 0.20, "AA": 0.20, "A": 0.30, "BBB": 0.50, "BB": 1.00, "B": 1.00, "CCC": 1.50,
}  # fmt: skip
BANK_SHORT_RW: dict[str, float] = {
    "AAA": 0.20, "AA": 0.20, "A": 0.20, "BBB": 0.20, "BB": 0.50, "B": 0.50, "CCC": 1.50,
}  # fmt: skip
# CRE20.21 (SCRA, Table 5): unrated banks by grade A / B / C, long and short term
SCRA_RW: dict[str, float] = {"A": 0.40, "B": 0.75, "C": 1.50}
SCRA_SHORT_RW: dict[str, float] = {"A": 0.20, "B": 0.50, "C": 1.50}
# CRE20.42 (Table 7): corporates — AAA to AA− 20%, A 50%, BBB 75%, BB+ to BB− 100%,
# below BB− 150%, unrated 100%; unrated SME corporates 85% (CRE20.47)
CORPORATE_RW: dict[str, float] = {
    "AAA": 0.20, "AA": 0.20, "A": 0.50, "BBB": 0.75, "BB": 1.00, "B": 1.50,
    "CCC": 1.50, "NR": 1.00,
}  # fmt: skip
SME_UNRATED_RW = 0.85  # CRE20.47
REGULATORY_RETAIL_RW = 0.75  # CRE20.65: regulatory retail other than transactors
EQUITY_RW = 2.50  # CRE20.58: equity holdings other than speculative unlisted
DEFAULTED_RW = 1.50  # CRE20.88: defaulted, specific provisions below 20% of the loan
# CRE20.82 (Table 12): residential real estate, general treatment, by loan-to-value
RRE_LTV_BANDS = (0.50, 0.60, 0.80, 0.90, 1.00)
RRE_RW = (0.20, 0.25, 0.30, 0.40, 0.50, 0.70)
# CRE20.85: commercial real estate, LTV ≤ 60% → min(60%, counterparty's RW), else the
# counterparty's RW
CRE_LTV_LIMIT, CRE_RW_CAP = 0.60, 0.60

# -- credit conversion factors (CRE20.93–20.101) ----------------------------------------
CCF: dict[str, float] = {
    Product.COMMITMENT: 0.40,  # CRE20.94: commitments, whatever their maturity
    Product.COMMITMENT_UCC: 0.10,  # CRE20.94: unconditionally cancellable
    Product.GUARANTEE: 1.00,  # CRE20.98: direct credit substitutes
    Product.TRANSACTION_CONTINGENT: 0.50,  # CRE20.97
    Product.TRADE_LC: 0.20,  # CRE20.99
}

# -- comprehensive approach haircuts (CRE22.49–22.52), 10-business-day holding ----------
HAIRCUT_MATURITY_BANDS = (1.0, 3.0, 5.0, 10.0)  # ≤1, ≤3, ≤5, ≤10, >10 years
SOVEREIGN_HAIRCUT: dict[str, tuple[float, ...]] = {
    "AAA": (0.005, 0.02, 0.02, 0.04, 0.04),
    "AA": (0.005, 0.02, 0.02, 0.04, 0.04),
    "A": (0.01, 0.03, 0.03, 0.06, 0.06),
    "BBB": (0.01, 0.03, 0.03, 0.06, 0.06),
    "BB": (0.15,) * 5,
}
OTHER_ISSUER_HAIRCUT: dict[str, tuple[float, ...]] = {
    "AAA": (0.01, 0.03, 0.04, 0.06, 0.12),
    "AA": (0.01, 0.03, 0.04, 0.06, 0.12),
    "A": (0.02, 0.04, 0.06, 0.12, 0.20),
    "BBB": (0.02, 0.04, 0.06, 0.12, 0.20),
}
EQUITY_HAIRCUT = {Collateral.MAIN_INDEX_EQUITY: 0.20, Collateral.OTHER_EQUITY: 0.30}
FX_MISMATCH_HAIRCUT = 0.08  # CRE22.52

# -- IRB parameters (CRE32) -------------------------------------------------------------
PD_FLOOR_CORPORATE = 0.0005  # CRE32.13: corporates and banks; sovereigns have none
PD_FLOOR_RETAIL = 0.0005  # CRE32.33
PD_FLOOR_QRRE_REVOLVER = 0.001  # CRE32.33: QRRE revolvers
FIRB_LGD_SENIOR = 0.40  # CRE32.6: senior unsecured claims on non-financial corporates
FIRB_LGD_SENIOR_FINANCIAL = 0.45  # CRE32.6: on sovereigns, banks, other financials
FIRB_MATURITY = 2.5  # CRE32.46
LGD_FLOOR_UNSECURED = 0.25  # CRE32.16: A-IRB corporate, unsecured
LGD_FLOOR_RETAIL: dict[str, float] = {  # CRE32.37
    IrbClass.RESIDENTIAL_MORTGAGE: 0.05,
    IrbClass.QRRE: 0.50,
    IrbClass.OTHER_RETAIL: 0.30,
}
AIRB_MATURITY_FLOOR, AIRB_MATURITY_CAP = 1.0, 5.0  # CRE32.47
SME_TURNOVER_FLOOR, SME_TURNOVER_CAP = 5.0, 50.0  # CRE31.7, EUR millions
LARGE_FINANCIAL_MULTIPLIER = 1.25  # CRE31.6
CONFIDENCE = 0.999  # CRE31.5: the 99.9% systematic-factor quantile


def _lookup(table: dict[str, float], keys: np.ndarray, default: float = np.nan) -> np.ndarray:
    return np.array([table.get(str(k), default) for k in keys], np.float64)


def sa_risk_weight(
    exposure_class: np.ndarray,
    rating: np.ndarray,
    product: np.ndarray,
    *,
    sme: np.ndarray,
    short_term: np.ndarray,
    scra_grade: np.ndarray,
    ltv: np.ndarray,
) -> np.ndarray:
    """Risk weights of the standardised approach (CRE20), one per exposure.

    Parameters
    ----------
    exposure_class, rating, product : ``(n,)`` codes (:class:`ExposureClass`, the
        counterparty's letter rating, :class:`Product`).
    sme : ``(n,)`` SME corporates (85% when unrated, CRE20.47).
    short_term : ``(n,)`` bank exposures of original maturity ≤ 3 months (CRE20.18).
    scra_grade : ``(n,)`` A | B | C of an unrated bank (CRE20.21); empty: C.
    ltv : ``(n,)`` loan-to-value of real-estate loans (NaN where none).

    Returns
    -------
    ``(n,)`` risk weights as fractions (1.0 = 100%).
    """
    cls = np.asarray(exposure_class, object)
    rat = np.asarray(rating, object)
    prod = np.asarray(product, object)
    sme = np.asarray(sme, bool)
    short = np.asarray(short_term, bool)
    ltv = np.asarray(ltv, np.float64)
    grade = np.array([g if g in SCRA_RW else "C" for g in np.asarray(scra_grade, object)])
    sov = _lookup(SOVEREIGN_RW, rat)
    corp = _lookup(CORPORATE_RW, rat)
    corp = np.where(sme & (rat == "NR"), SME_UNRATED_RW, corp)
    bank = np.where(short, _lookup(BANK_SHORT_RW, rat), _lookup(BANK_RW, rat))
    scra = np.where(short, _lookup(SCRA_SHORT_RW, grade), _lookup(SCRA_RW, grade))
    bank = np.where(rat == "NR", scra, bank)
    rw = np.select(
        [cls == ExposureClass.SOVEREIGN, cls == ExposureClass.BANK, cls == ExposureClass.RETAIL],
        [sov, bank, np.full(len(cls), REGULATORY_RETAIL_RW)],
        corp,
    )
    band = np.searchsorted(np.array(RRE_LTV_BANDS), np.nan_to_num(ltv, nan=np.inf), side="left")
    rre = np.array(RRE_RW)[band]
    rw = np.where(prod == Product.MORTGAGE, rre, rw)
    cre = np.where(np.nan_to_num(ltv, nan=np.inf) <= CRE_LTV_LIMIT, np.minimum(rw, CRE_RW_CAP), rw)
    rw = np.where(prod == Product.CRE_LOAN, cre, rw)
    rw = np.where((cls == ExposureClass.EQUITY) | (prod == Product.EQUITY), EQUITY_RW, rw)
    rw = np.where((rat == "D") & (prod != Product.MORTGAGE), DEFAULTED_RW, rw)
    return np.where(np.isnan(rw), 1.0, rw)


def credit_conversion_factor(product: np.ndarray, override: np.ndarray | None = None) -> np.ndarray:
    """The CCF applied to each exposure's undrawn amount (CRE20.93–20.101): a stated
    ``override`` where finite, else the product's, else 0 (no off-balance part)."""
    ccf = _lookup(CCF, np.asarray(product, object), 0.0)
    if override is None:
        return ccf
    override = np.asarray(override, np.float64)
    return np.where(np.isfinite(override), override, ccf)


def collateral_haircut(
    collateral: np.ndarray, rating: np.ndarray, residual_maturity: np.ndarray
) -> np.ndarray:
    """Supervisory haircut ``Hc`` of each collateral (CRE22.49; 10-business-day
    holding period). Debt securities by issuer type, rating and residual maturity
    (years); an ineligible collateral (junk corporate bond, property) gets ``Hc = 1``:
    it reduces nothing."""
    col = np.asarray(collateral, object)
    rat = np.asarray(rating, object)
    band = np.searchsorted(
        np.array(HAIRCUT_MATURITY_BANDS), np.asarray(residual_maturity, np.float64), side="left"
    )
    out = np.ones(len(col))
    for i, (c, r, b) in enumerate(zip(col, rat, band, strict=True)):
        if c == Collateral.CASH:
            out[i] = 0.0
        elif c == Collateral.SOVEREIGN_BOND and r in SOVEREIGN_HAIRCUT:
            out[i] = SOVEREIGN_HAIRCUT[r][b]
        elif c == Collateral.OTHER_BOND and r in OTHER_ISSUER_HAIRCUT:
            out[i] = OTHER_ISSUER_HAIRCUT[r][b]
        elif c in EQUITY_HAIRCUT:
            out[i] = EQUITY_HAIRCUT[c]
    return out


def exposure_after_crm(
    exposure: np.ndarray,
    collateral_value: np.ndarray,
    collateral_haircut: np.ndarray,
    currency_mismatch: np.ndarray,
    exposure_haircut: np.ndarray | float = 0.0,
) -> np.ndarray:
    """``E* = max(0, E·(1 + He) − C·(1 − Hc − Hfx))`` (CRE22.40), ``Hfx`` = 8% where the
    collateral is in another currency than the exposure (CRE22.52)."""
    e = np.asarray(exposure, np.float64)
    c = np.asarray(collateral_value, np.float64)
    hfx = np.where(np.asarray(currency_mismatch, bool), FX_MISMATCH_HAIRCUT, 0.0)
    adjusted = c * np.maximum(0.0, 1.0 - np.asarray(collateral_haircut) - hfx)
    return np.maximum(0.0, e * (1.0 + np.asarray(exposure_haircut)) - adjusted)


# -- IRB ------------------------------------------------------------------------------
def irb_correlation(
    pd: np.ndarray,
    asset_class: np.ndarray,
    turnover_m: np.ndarray | None = None,
    large_financial: np.ndarray | None = None,
) -> np.ndarray:
    """Asset correlation ``R`` (CRE31.5–31.7, 31.12–31.14); ``turnover_m`` in EUR
    millions (NaN or absent: no SME adjustment; below 50 it applies, floored at 5)."""
    pd = np.asarray(pd, np.float64)
    cls = np.asarray(asset_class, object)
    w50 = (1.0 - np.exp(-50.0 * pd)) / (1.0 - np.exp(-50.0))
    corporate = 0.12 * w50 + 0.24 * (1.0 - w50)
    if turnover_m is not None:
        s = np.asarray(turnover_m, np.float64)
        sme = np.isfinite(s) & (s < SME_TURNOVER_CAP)
        s = np.clip(np.nan_to_num(s, nan=SME_TURNOVER_CAP), SME_TURNOVER_FLOOR, SME_TURNOVER_CAP)
        corporate = corporate - np.where(sme, 0.04 * (1.0 - (s - 5.0) / 45.0), 0.0)
    if large_financial is not None:
        corporate = corporate * np.where(
            np.asarray(large_financial, bool), LARGE_FINANCIAL_MULTIPLIER, 1.0
        )
    w35 = (1.0 - np.exp(-35.0 * pd)) / (1.0 - np.exp(-35.0))
    other_retail = 0.03 * w35 + 0.16 * (1.0 - w35)
    return np.select(
        [cls == IrbClass.RESIDENTIAL_MORTGAGE, cls == IrbClass.QRRE, cls == IrbClass.OTHER_RETAIL],
        [np.full(pd.shape, 0.15), np.full(pd.shape, 0.04), other_retail],
        corporate,
    )


def irb_capital_requirement(
    pd: np.ndarray,
    lgd: np.ndarray,
    maturity: np.ndarray,
    asset_class: np.ndarray,
    turnover_m: np.ndarray | None = None,
    large_financial: np.ndarray | None = None,
) -> np.ndarray:
    """Capital requirement ``K`` per unit of EAD (CRE31.5, 31.12–31.14; formula in the
    module docstring). PD and LGD are fractions, ``maturity`` in years (ignored for the
    retail classes). A defaulted exposure (``PD = 1``) has ``K = 0`` here: under the
    foundation approach its whole loss is expected loss (CRE31.5 footnote; the EL and
    provisions comparison of CRE35 is out of scope). Inputs are used as given: apply
    the floors first (:func:`irb_parameters`)."""
    pd = np.asarray(pd, np.float64)
    lgd = np.asarray(lgd, np.float64)
    cls = np.asarray(asset_class, object)
    r = irb_correlation(pd, cls, turnover_m, large_financial)
    live = pd < 1.0
    p = np.where(live, pd, 0.5)
    conditional = norm.cdf((norm.ppf(p) + np.sqrt(r) * norm.ppf(CONFIDENCE)) / np.sqrt(1.0 - r))
    k = lgd * conditional - p * lgd
    b = (0.11852 - 0.05478 * np.log(p)) ** 2
    adjustment = (1.0 + (np.asarray(maturity, np.float64) - 2.5) * b) / (1.0 - 1.5 * b)
    retail = np.isin(cls, [IrbClass.RESIDENTIAL_MORTGAGE, IrbClass.QRRE, IrbClass.OTHER_RETAIL])
    k = np.where(retail, k, k * adjustment)
    return np.where(live, np.maximum(k, 0.0), 0.0)


def irb_risk_weight(
    pd: np.ndarray,
    lgd: np.ndarray,
    maturity: np.ndarray,
    asset_class: np.ndarray,
    turnover_m: np.ndarray | None = None,
    large_financial: np.ndarray | None = None,
) -> np.ndarray:
    """IRB risk weight ``12.5 × K`` (CRE31.4): ``RWA = RW × EAD``."""
    return 12.5 * irb_capital_requirement(
        pd, lgd, maturity, asset_class, turnover_m, large_financial
    )


@dataclass(frozen=True)
class IrbParameters:
    """The PD, LGD and M an exposure's risk weight uses, after floors and the
    foundation approach's supervisory values."""

    pd: np.ndarray
    lgd: np.ndarray
    maturity: np.ndarray


def irb_class(exposure_class: np.ndarray, product: np.ndarray) -> np.ndarray:
    """The IRB risk-weight function of each exposure: retail by product (mortgage,
    revolving, other), everything else corporate (CRE31.5)."""
    cls = np.asarray(exposure_class, object)
    prod = np.asarray(product, object)
    retail = cls == ExposureClass.RETAIL
    return np.select(
        [retail & (prod == Product.MORTGAGE), retail & (prod == Product.REVOLVING), retail],
        [IrbClass.RESIDENTIAL_MORTGAGE.value, IrbClass.QRRE.value, IrbClass.OTHER_RETAIL.value],
        IrbClass.CORPORATE.value,
    ).astype(object)


def irb_parameters(
    approach: np.ndarray,
    exposure_class: np.ndarray,
    asset_class: np.ndarray,
    pd: np.ndarray,
    lgd: np.ndarray,
    residual_maturity: np.ndarray,
    secured: np.ndarray,
    financial: np.ndarray | None = None,
) -> IrbParameters:
    """Floors and supervisory values of CRE32.

    - PD floored at 0.05% for corporates, banks and retail, 0.10% for QRRE revolvers;
      sovereigns have no floor (CRE32.13, 32.33).
    - Foundation IRB (and A-IRB for banks, which the 2017 reforms moved to F-IRB,
      CRE30.33): LGD 45% on sovereigns, banks and other financial institutions
      (``financial``: corporates of the financial sector), 40% on other corporates
      (CRE32.6); ``M = 2.5`` years (CRE32.46).
    - Advanced IRB: own LGD floored at 25% unsecured corporate (CRE32.16), retail 5% /
      50% / 30% by class (CRE32.37); ``M`` the residual maturity within [1, 5] years
      (CRE32.47).
    """
    app = np.asarray(approach, object)
    cls = np.asarray(exposure_class, object)
    irb = np.asarray(asset_class, object)
    pd = np.asarray(pd, np.float64)
    floor = np.where(
        cls == ExposureClass.SOVEREIGN,
        0.0,
        np.where(irb == IrbClass.QRRE, PD_FLOOR_QRRE_REVOLVER, PD_FLOOR_CORPORATE),
    )
    pd = np.maximum(pd, floor)
    foundation = (app == Approach.FIRB) | (cls == ExposureClass.BANK)
    fin = np.isin(cls, [ExposureClass.SOVEREIGN, ExposureClass.BANK])
    if financial is not None:
        fin = fin | np.asarray(financial, bool)
    supervisory = np.where(fin, FIRB_LGD_SENIOR_FINANCIAL, FIRB_LGD_SENIOR)
    retail_floor = _lookup(LGD_FLOOR_RETAIL, irb, 0.0)
    own_floor = np.where(
        irb == IrbClass.CORPORATE,
        np.where(np.asarray(secured, bool), 0.0, LGD_FLOOR_UNSECURED),
        retail_floor,
    )
    own = np.maximum(np.asarray(lgd, np.float64), own_floor)
    lgd_used = np.where(foundation & (irb == IrbClass.CORPORATE), supervisory, own)
    m = np.clip(np.asarray(residual_maturity, np.float64), AIRB_MATURITY_FLOOR, AIRB_MATURITY_CAP)
    m = np.where(foundation, FIRB_MATURITY, m)
    return IrbParameters(pd, lgd_used, m)


def expected_loss(pd: np.ndarray, lgd: np.ndarray, ead: np.ndarray) -> np.ndarray:
    """``EL = PD × LGD × EAD`` (CRE35.2), reported beside the IRB RWA."""
    return np.asarray(pd) * np.asarray(lgd) * np.asarray(ead)
