"""The CLD code values the simulation uses (Release 2, as in seeds/code_mappings.csv).

The values the simulation's rules branch on are named here; the weighted tables it draws people
and events from are data files (`data/*.csv`, a value column then one weight column per kind of
person or route), read at import. A table that loses a value a rule names fails here, at import.
"""

from __future__ import annotations

import numpy as np

from pipeline.demo.datafiles import weights

# ----------------------------------------------------------------------------------------------
# People: drawn by `people.py` from these tables

ETHNICITY = weights("ethnicity.csv", "weight")
_PSR = weights(
    "primary_support_reason.csv", "stock_18_64", "stock_65_plus", "contact_18_64", "contact_65_plus"
)
PSR_LIST = tuple(row[0] for row in _PSR)
PSR_W = np.array([row[1:] for row in _PSR], dtype=float)  # columns as in the file
PSR_MEMORY = "Support with memory and cognition"
PSR_LD = "Learning disability support"
PSR_MH = "Mental health support"
PSR_LD_INDEX = PSR_LIST.index(PSR_LD)
PSR_MEMORY_INDEX = PSR_LIST.index(PSR_MEMORY)
if PSR_MH not in PSR_LIST:
    raise ValueError(f"data/primary_support_reason.csv has no {PSR_MH!r}")

ACC_CARE_HOME = "Registered care home"
ACC_NURSING = "Registered nursing home"
ACC_COMMUNITY = weights("accommodation.csv", "weight", "weight_learning_disability")
_EMP = weights("employment.csv", "weight_18_64", "weight_65_plus")
EMPLOYMENT = tuple(row[0] for row in _EMP)
EMP_W = (tuple(row[1] for row in _EMP), tuple(row[2] for row in _EMP))  # 18-64, 65+
VISUAL = weights("visual_impairment.csv", "weight")
HEARING = weights("hearing_impairment.csv", "weight")
FUNDING = weights("funding.csv", "weight")

# ----------------------------------------------------------------------------------------------
# Event outcomes

O_REABLE = "Progress to reablement/ST-Max"
O_ASSESS = "Progress to assessment, review or reassessment"
O_SUPPORT = "Progress to support planning or services"
O_CONTINUE = "Continuation of support or services"
O_HOSPITAL = "Admitted to hospital"
O_MOVED = "NFA: Responsibility moved to another local authority"
O_NHS = "NFA: Referral to NHS services or NHS funded social care"
O_SELF = "NFA: Self-funded client or under 12wk disregard"
O_IA = "NFA: Information and advice or signposting"
O_OTHER_LA = "NFA: Referral to other service within the local authority"
O_DECLINED = "NFA: Support declined"
O_DECEASED = "NFA: Deceased"
O_ENDED = "NFA: Support ended as planned"
O_ENDED_OTHER = "NFA: Support ended for other reason"
O_NO_SERVICES = "NFA: No services offered for other reason"
O_NFA_OTHER = "NFA: Other"

# ----------------------------------------------------------------------------------------------
# Requests: routes of access, and the outcomes of requests from people not in long-term support
# (weights for a community route and a hospital one)

R_COMMUNITY = "Community / other route"
R_HOSPITAL = "Discharge from hospital"
R_DIVERSION = "Diversion from hospital services"
ROUTES = weights("routes_of_access.csv", "weight")
_ROUTE_VALUES = [r[0] for r in ROUTES]
ROUTE_COMMUNITY_INDEX = _ROUTE_VALUES.index(R_COMMUNITY)
ROUTE_HOSPITAL_INDEXES = (_ROUTE_VALUES.index(R_HOSPITAL), _ROUTE_VALUES.index(R_DIVERSION))
REQ_OUT = weights("request_outcomes.csv", "community", "hospital")
_REQ_VALUES = [r[0] for r in REQ_OUT]
REQ_ASSESS_INDEX = _REQ_VALUES.index(O_ASSESS)
REQ_REABLE_INDEX = _REQ_VALUES.index(O_REABLE)

# Assessment outcomes: a long-term assessment's, a short-term (OT) one's (the values weighted 0
# are not outcomes of that kind of assessment).
_ASSESS_OUT = weights("assessment_outcomes.csv", "long_term", "short_term")
ASSESS_OUT_LT = tuple((v, w) for v, w, _ in _ASSESS_OUT if w > 0)
ASSESS_OUT_ST = tuple((v, w) for v, _, w in _ASSESS_OUT if w > 0)

# ----------------------------------------------------------------------------------------------
# Services

ST_NURSING = "Long term support: Nursing care"
ST_RESIDENTIAL = "Long term support: Residential care"
ST_COMMUNITY = "Long term support: Community"
ST_STMAX = "Short term support: ST-Max"
ST_LOW = "Short term support: Ongoing low level"
ST_OTHER = "Short term support: Other short term"
ST_CARER_DIRECT = "Unpaid carer support: Direct to unpaid carer"
ST_CARER_INVOLVING = "Unpaid carer support: Support involving the person cared-for"

DM_DP = "Direct payment"
DM_MPB = "CASSR managed personal budget"
DM_COMM = "CASSR commissioned support"

# Methods of assessment and review
M_SU = "Service user only"
M_CARER = "Carer only"
M_BOTH = "Service user and carer"
