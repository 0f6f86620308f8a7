#!/usr/bin/env python3
# buyer_view_data.py — writes examples/buyer_view.csv, the 25 suppliers that
# examples/buyer_view.kam runs on (as of 2026-06-30): five categories of
# five suppliers each, as a buying organisation sees them.
#
# Deterministic (a fixed seed, no clock). Most suppliers are drawn at random
# within realistic ranges; a few are then set by hand so that every rule has
# a supplier to show it: a sole source that is costly to leave, a supplier
# whose promised savings did not come, one that leaks, a key supplier known
# through one buyer only, an exited supplier that requalified.
# Usage: python3 examples/buyer_view_data.py [OUT.csv]   (default: beside it)
import csv
import os
import random
import sys

FIELDS = [
    "id", "name", "category", "annual_spend", "supply_risk",
    "qualified_alternatives", "switching_cost", "savings_promised",
    "savings_delivered", "on_time_delivery", "innovations_offered",
    "innovations_adopted", "information_shared", "nda_in_place",
    "serves_our_competitors", "leak_incidents", "contact_structure",
    "offers_kam", "relationship", "relationship_since", "requalified",
]

CATEGORIES = ["raw_materials", "components", "packaging", "logistics",
              "it_services"]
NAMES = {
    "raw_materials": ["Ferro Metals", "Polymer Works", "Silica Supply",
                      "Alu North", "Copperline"],
    "components": ["Axis Bearings", "Volt Drives", "Precision Gears",
                   "Sensorik", "Circuit House"],
    "packaging": ["Boxwell", "Crate & Co", "FlexWrap", "Pallet Pro",
                  "Carton Nord"],
    "logistics": ["Swift Freight", "Rail Link", "Harbour Lines",
                  "Last Mile", "Cold Chain"],
    "it_services": ["Cloudbase", "Ledger Systems", "Netguard",
                    "DataForge", "Helpdesk One"],
}
RISK = {"raw_materials": [1, 2, 4, 3], "components": [1, 3, 3, 2],
        "packaging": [5, 3, 1, 0], "logistics": [3, 4, 2, 0],
        "it_services": [2, 4, 3, 1]}
STAGES = ["transactional", "transactional", "preferred", "key_supplier",
          "strategic_partner"]


def b(x):
    return "true" if x else "false"


def draw(rng, c, k):
    category = CATEGORIES[c]
    stage = STAGES[k]
    step = k - 1 if k else 0
    spend = round(rng.uniform(0.1, 1.0) * (2_400_000 if k >= 2 else 900_000), -3)
    promised = round(spend * rng.uniform(0.02, 0.08), -3) if rng.random() < 0.6 else 0
    shared = ["none", "operational", "operational", "forecasts",
              "strategic"][k]
    return {
        "id": "S%02d" % (c * 5 + k + 1),
        "name": NAMES[category][k],
        "category": category,
        "annual_spend": "%.2f" % spend,
        "supply_risk": rng.choices(["low", "medium", "high", "critical"],
                                   RISK[category])[0],
        "qualified_alternatives": rng.randint(1, 4),
        "switching_cost": "%.2f" % round(spend * rng.uniform(0.05, 0.4), -3),
        "savings_promised": "%.2f" % promised,
        "savings_delivered": "%.2f" % round(promised * rng.uniform(0.75, 1.1), -3),
        "on_time_delivery": "%.1f%%" % rng.uniform(88, 99.5),
        "innovations_offered": rng.randint(0, 2) + step,
        "innovations_adopted": rng.randint(0, 1) + max(step - 1, 0),
        "information_shared": shared,
        "nda_in_place": b(k >= 2 or rng.random() < 0.3),
        "serves_our_competitors": b(rng.random() < 0.1),
        "leak_incidents": 0,
        "contact_structure": ["bow_tie", "bow_tie", "widening", "widening",
                              "diamond"][k],
        "offers_kam": b(k >= 2 or rng.random() < 0.3),
        "relationship": stage,
        "relationship_since": "%d-%02d-01" % (rng.choice([2023, 2024, 2025]),
                                              rng.randint(1, 12)),
        "requalified": "false",
    }


# Hand-set cases: (id, fields to set, why).
PLANTED = [
    ("S04", {"annual_spend": "4200000.00", "qualified_alternatives": 0,
             "switching_cost": "2600000.00", "supply_risk": "critical"},
     "a sole source, costly to leave: supplier_dependence, lost_bargaining_power"),
    ("S09", {"savings_promised": "180000.00", "savings_delivered": "60000.00",
             "leak_incidents": 1},
     "claims broken and a leak: the key supplier exits"),
    ("S13", {"information_shared": "forecasts", "nda_in_place": "false",
             "serves_our_competitors": "true"},
     "forecasts shared without an NDA: information_leak"),
    ("S19", {"contact_structure": "bow_tie"},
     "a key supplier known through one buyer: one_contact_only"),
    ("S02", {"innovations_offered": 3, "offers_kam": "true",
             "on_time_delivery": "97.0%"},
     "critical supply, innovative, reliable: transactional to preferred"),
    ("S21", {"relationship": "exited", "requalified": "true"},
     "an exited supplier that requalified: the win-back"),
    ("S22", {"savings_promised": "120000.00", "savings_delivered": "30000.00"},
     "savings promised, not delivered: claims_not_delivered"),
    ("S24", {"contact_structure": "diamond", "information_shared": "forecasts",
             "nda_in_place": "true", "innovations_offered": 4},
     "a diamond with forecasts: key supplier to strategic partner"),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "buyer_view.csv")
    rng = random.Random(1414)
    rows = [draw(rng, c, k) for c in range(5) for k in range(5)]
    by_id = {r["id"]: r for r in rows}
    for key, fields, _why in PLANTED:
        by_id[key].update(fields)
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
