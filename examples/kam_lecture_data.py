#!/usr/bin/env python3
# kam_lecture_data.py — writes examples/kam_lecture.csv, the 40 customer
# accounts that examples/kam_lecture.kam runs on (as of 2026-06-30).
#
# Deterministic (a fixed seed, no clock): running it again gives the same
# file byte for byte. Most accounts are drawn at random within realistic
# ranges, with the relationship's contact structure following its stage
# (bow-tie early, diamond in partnership); a few are then set by hand so
# that every rule of the policy has an account to show it: a dominant
# customer, a partnership through a bow-tie, a win-back, a key account on a
# thin margin, rising service demands, a small account never reviewed.
# Usage: python3 examples/kam_lecture_data.py [OUT.csv]   (default: beside it)
import csv
import os
import random
import sys

FIELDS = [
    "id", "name", "region", "segment", "annual_revenue", "revenue_growth",
    "market_share", "market_position", "gross_margin", "profit_contribution",
    "innovation_partner", "early_adopter", "prestige", "competitor_account",
    "stage", "stage_since", "trust", "contact_structure",
    "functions_in_contact", "exec_contacts", "shares_sensitive_info",
    "joint_projects", "one_entity", "service_requests",
    "service_requests_last", "kam_cost", "last_review", "new_contract",
]

FIRST = ["Aster", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite",
         "Harbor", "Iris", "Juniper", "Kestrel", "Linden", "Meridian",
         "Nordic", "Orchid", "Pioneer", "Quarry", "Riverside", "Summit",
         "Tundra"]
SECOND = ["Foods", "Logistics", "Chemicals", "Retail", "Machinery",
          "Health", "Energy", "Textiles"]
REGIONS = ["north", "south", "east", "west"]
STAGES = (["pre_kam"] * 14 + ["early_kam"] * 9 + ["mid_kam"] * 8 +
          ["partnership"] * 5 + ["synergistic"] * 2 + ["uncoupling"] * 2)


def b(x):
    return "true" if x else "false"


def draw(rng, i):
    stage = STAGES[i]
    step = ["pre_kam", "early_kam", "mid_kam", "partnership",
            "synergistic", "uncoupling"].index(stage)
    late = step in (3, 4)       # partnerships were chosen for a reason
    segment = rng.choices(["enterprise", "mid_market", "smb"], [3, 4, 3])[0]
    scale = {"enterprise": 4_000_000, "mid_market": 1_500_000, "smb": 400_000}[segment]
    revenue = round(scale * rng.uniform(0.5, 1.6), -3)
    margin = round(rng.uniform(0.12, 0.38) + (0.05 if late else 0), 3)
    profit = round(revenue * margin * rng.uniform(0.35, 0.6), -2)
    structure = ("bow_tie" if step <= 1 else "widening" if step == 2
                 else "diamond" if step <= 4 else "bow_tie")
    if step == 2 and rng.random() < 0.3:
        structure = "bow_tie"
    trust = ["low", "low", "moderate", "high", "high", "none"][step]
    if step in (1, 2) and rng.random() < 0.35:
        trust = "moderate" if step == 1 else "high"
    functions = {"bow_tie": 1, "widening": rng.randint(2, 4),
                 "diamond": rng.randint(5, 9)}[structure]
    requests_last = rng.randint(10, 80)
    return {
        "id": "C%02d" % (i + 1),
        "name": "%s %s" % (FIRST[i % 20], SECOND[(i * 3 + i // 20) % 8]),
        "region": REGIONS[i % 4],
        "segment": segment,
        "annual_revenue": "%.2f" % revenue,
        "revenue_growth": "%.1f%%" % rng.uniform(-4, 18),
        "market_share": "%.1f%%" % rng.uniform(1, 22),
        "market_position": rng.choices(
            ["niche", "follower", "challenger", "leader"], [3, 4, 2, 1])[0],
        "gross_margin": "%.1f%%" % (margin * 100),
        "profit_contribution": "%.2f" % profit,
        "innovation_partner": b(rng.random() < (0.8 if late else 0.3)),
        "early_adopter": b(rng.random() < (0.6 if late else 0.3)),
        "prestige": rng.randint(1, 5),
        "competitor_account": b(rng.random() < 0.2),
        "stage": stage,
        "stage_since": "%d-%02d-%02d" % (rng.choice([2024, 2025, 2025, 2026]),
                                         rng.randint(1, 12), rng.randint(1, 28)),
        "trust": trust,
        "contact_structure": structure,
        "functions_in_contact": functions,
        "exec_contacts": rng.randint(0, 2) + step,
        "shares_sensitive_info": b(step >= 2 and rng.random() < 0.6),
        "joint_projects": rng.randint(0, 2) + max(step - 2, 0),
        "one_entity": b(step >= 3 and rng.random() < 0.5),
        "service_requests": requests_last + rng.randint(-10, 18),
        "service_requests_last": requests_last,
        "kam_cost": "%.2f" % (0 if step == 0 else 20_000 * step * rng.uniform(0.8, 1.3)),
        "last_review": ("" if rng.random() < 0.15 else "2025-%02d-%02d"
                        % (rng.randint(1, 12), rng.randint(1, 28))),
        "new_contract": "false",
    }


# Hand-set cases: (id, fields to set, why).
PLANTED = [
    ("C03", {"segment": "enterprise", "annual_revenue": "14200000.00",
             "profit_contribution": "1150000.00", "gross_margin": "24.0%"},
     "a dominant customer: over_dependence and region_dependence"),
    ("C33", {"stage": "partnership", "contact_structure": "bow_tie",
             "functions_in_contact": 1, "trust": "high",
             "stage_since": "2025-09-15"},
     "a partnership through one salesperson: single_point_of_failure"),
    ("C39", {"stage": "uncoupling", "new_contract": "true", "trust": "low"},
     "an uncoupled customer that signed again: the win-back"),
    ("C05", {"revenue_growth": "14.0%", "innovation_partner": "true",
             "early_adopter": "true", "gross_margin": "9.5%",
             "annual_revenue": "7600000.00", "profit_contribution": "820000.00",
             "segment": "enterprise"},
     "a key account on a thin margin: margin_pressure"),
    ("C12", {"service_requests_last": 30, "service_requests": 62,
             "revenue_growth": "2.0%"},
     "service requests doubling: rising_service_demands"),
    ("C16", {"segment": "smb", "last_review": ""},
     "a small account never reviewed: small_neglected"),
    ("C24", {"stage": "mid_kam", "contact_structure": "bow_tie",
             "functions_in_contact": 1, "stage_since": "2024-11-03",
             "trust": "moderate"},
     "mid-KAM for 19 months through a bow-tie: stuck_in_bow_tie"),
    ("C15", {"stage": "mid_kam", "trust": "high", "shares_sensitive_info": "true",
             "contact_structure": "diamond", "functions_in_contact": 6,
             "stage_since": "2025-08-01"},
     "sensitive information over a diamond: mid-KAM to partnership"),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "kam_lecture.csv")
    rng = random.Random(14)
    rows = [draw(rng, i) for i in range(40)]
    by_id = {r["id"]: r for r in rows}
    for key, fields, _why in PLANTED:
        by_id[key].update(fields)
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
