#!/usr/bin/env python3
"""The spreadsheet analyst's way to score a month: pandas over the same files.

    python3 benches/files/pandas_peer.py FOLDER MONTH > scores.csv

Reads the files of generate.py, keeps MONTH, pivots to one row per person, computes
the senior rep's KPIs, points, tiers, adjustments, gates and grade exactly as
kpi-definitions/ says (role-senior-rep.yaml, kpis-*.yaml, grades.yaml), in the same
order of floating-point operations as Yardstick, and prints `subject,total,grade`.
It is the peer `run.sh` measures `yardstick evaluate` against.
"""
import sys

import numpy as np
import pandas as pd


def linear(achievement, floor, cap):
    return np.where(achievement < floor, 0.0, np.maximum(np.minimum(achievement, cap), 0.0))


def bands(quantity, steps):
    points = np.zeros(len(quantity))
    for start, value in steps:  # ascending: a later band overrides an earlier one
        points = np.where(quantity >= start, value, points)
    return points


def higher(value, target):
    return value / target * 100.0


def lower(value, target):
    return (2.0 * target - value) / target * 100.0


def main():
    folder, month = sys.argv[1], sys.argv[2]
    people = pd.read_csv(f"{folder}/people.csv", usecols=["id", "role"])
    data = pd.read_csv(f"{folder}/metrics.csv")
    data = data[data["period"] == month]
    m = data.pivot(index="subject", columns="metric", values="value").reindex(people["id"])

    # Each tier's KPIs in card order: (points, weight within the tier).
    crc = m.complete_records / m.customer_records * 100
    base = [(np.where(crc >= 95, 100.0, 0.0), 100.0)]
    vpc = m.visits_made / m.visits_planned * 100
    scl = m.total_cycle_days / m.deals_closed
    sfa = (1 - np.abs(m.sales_forecast - m.sales_amount) / m.sales_amount) * 100
    process = [
        (linear(higher(vpc, 90.0), 60, 120), 30.0),
        (linear(lower(scl, 40.0), 50, 120), 35.0),
        (bands(sfa, [(0, 0.0), (70, 60.0), (80, 80.0), (90, 100.0), (95, 115.0)]), 35.0),
    ]
    sta = m.sales_amount / m.sales_target * 100
    sgr = (m.sales_amount - m.sales_last_period) / m.sales_last_period * 100
    cac = (m.marketing_spend + m.sales_spend) / m.new_customers
    rr = m.repeat_customers / m.customers_at_end * 100
    aov = m.sales_amount / m.orders
    result = [
        (linear(higher(sta, 100.0), 60, 130), 40.0),
        (bands(sgr, [(-10, 30.0), (0, 60.0), (5, 80.0), (10, 100.0), (20, 120.0)]), 20.0),
        (linear(lower(cac, 1500.0), 50, 130), 15.0),
        (linear(higher(rr, 30.0), 50, 120), 15.0),
        (linear(higher(aov, 8000.0), 50, 120), 10.0),
    ]

    weighted = 0.0
    for tier_weight, kpis in ((10.0, base), (25.0, process), (65.0, result)):
        effective = tier_weight / 100.0 * 100.0
        scored = 0.0
        for _, weight in kpis:
            scored += weight
        for points, weight in kpis:
            weighted = weighted + points * (effective * weight / scored) / 100.0

    bonus = np.clip(m.referring_customers * 2.0, 0.0, 10.0)
    deduction = 0.0 - np.clip(m.complaints * 5.0, 0.0, 20.0)
    adjusted = weighted + (bonus + deduction)
    total = np.where(m.compliance_violations != 0, 0.0, adjusted)
    total = np.clip(total, 0.0, 150.0)

    grades = np.array(["S", "A", "B", "C", "D"])
    rank = np.select([total >= 110, total >= 100, total >= 85, total >= 70], [0, 1, 2, 3], 4)
    complaint_rate = m.complaints / m.customers_at_end * 100
    rank = np.where(complaint_rate > 5, np.maximum(rank, 3), rank)

    out = pd.DataFrame({"subject": m.index, "total": total, "grade": grades[rank]})
    out.to_csv(sys.stdout, index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
