"""CVA risk capital: the reduced basic approach BA-CVA (MAR50.12–50.16), pure functions.

For counterparties ``c`` with netting sets ``NS`` (MAR50.14):

.. math:: SCVA_c = \\frac{1}{\\alpha}\\,RW_c \\sum_{NS} M_{NS}\\,EAD_{NS}\\,DF_{NS},
          \\quad DF_{NS} = \\frac{1 - e^{-0.05\\,M_{NS}}}{0.05\\,M_{NS}}

.. math:: K_{reduced} = \\sqrt{\\Big(\\rho\\sum_c SCVA_c\\Big)^2
          + (1-\\rho^2)\\sum_c SCVA_c^2}, \\quad \\rho = 50\\%

and the capital is ``DS × K_reduced`` with the discount scalar ``DS = 0.65``
(MAR50.14); ``RWA = 12.5 × K``. ``α = 1.4`` (MAR50.14); ``M`` the netting set's
effective maturity (MAR50.15); ``EAD`` its SA-CCR exposure; ``RW_c`` by the
counterparty's sector and credit quality (MAR50.16, Table 1). CVA hedges (the full
BA-CVA, MAR50.20–50.26) are not recognised: riskcap holds no CVA hedges, and the
reduced version is the conservative figure.
"""

from __future__ import annotations

import numpy as np

ALPHA = 1.4  # MAR50.14
CORRELATION = 0.50  # MAR50.14: ρ between counterparties' credit spreads
DISCOUNT_SCALAR = 0.65  # MAR50.14: DS_BA-CVA
DF_RATE = 0.05  # MAR50.15: supervisory discount factor
# MAR50.16, Table 1: risk weight by sector, (investment grade, high yield or unrated);
# keys are riskcap's issuer sectors (data/schemas.py SECTORS)
SECTOR_RW: dict[str, tuple[float, float]] = {
    "sovereign": (0.005, 0.020),  # sovereigns, central banks, MDBs
    "local_government": (0.010, 0.040),  # local government, public administration
    "financials": (0.050, 0.120),
    "covered_bond": (0.050, 0.120),  # issued by financials
    "basic_materials": (0.030, 0.070),  # and energy, industrials, agriculture, mining
    "consumer": (0.030, 0.085),  # and transportation, administrative services
    "technology": (0.020, 0.055),  # and telecommunications
    "health_care": (0.015, 0.050),  # and utilities, professional activities
    "other": (0.050, 0.120),
}
INVESTMENT_GRADE = frozenset({"AAA", "AA", "A", "BBB"})


def supervisory_discount(maturity: np.ndarray) -> np.ndarray:
    """``DF = (1 − e^{−0.05 M}) / (0.05 M)`` (MAR50.15), ``M`` in years."""
    m = np.asarray(maturity, np.float64)
    return -np.expm1(-DF_RATE * m) / (DF_RATE * m)


def cva_risk_weight(sector: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """``RW_c`` of each counterparty (MAR50.16); an unknown sector is "other"."""
    return np.array(
        [
            SECTOR_RW.get(str(s), SECTOR_RW["other"])[0 if r in INVESTMENT_GRADE else 1]
            for s, r in zip(np.asarray(sector, object), np.asarray(rating, object), strict=True)
        ],
        np.float64,
    )


def standalone_cva(
    risk_weight: np.ndarray, counterparty: np.ndarray, ead: np.ndarray, maturity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``SCVA_c`` per counterparty from its netting sets (MAR50.14).

    Parameters
    ----------
    risk_weight : ``(n,)`` ``RW_c`` of each netting set's counterparty.
    counterparty : ``(n,)`` counterparty of each netting set.
    ead, maturity : ``(n,)`` SA-CCR EAD and effective maturity (years) of each netting set.

    Returns
    -------
    (counterparties, SCVA) — the distinct counterparties, sorted, and their SCVA.
    """
    names, inverse = np.unique(np.asarray(counterparty, object).astype(str), return_inverse=True)
    m = np.asarray(maturity, np.float64)
    per_set = np.asarray(risk_weight) / ALPHA * m * np.asarray(ead) * supervisory_discount(m)
    return names, np.bincount(inverse, weights=per_set, minlength=len(names))


def ba_cva_capital(scva: np.ndarray) -> float:
    """Reduced BA-CVA capital ``DS × K_reduced`` (MAR50.14) of the SCVA of the
    counterparties; 0 with none."""
    s = np.asarray(scva, np.float64)
    k = np.sqrt((CORRELATION * s.sum()) ** 2 + (1 - CORRELATION**2) * np.sum(s**2))
    return float(DISCOUNT_SCALAR * k)
