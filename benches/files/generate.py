#!/usr/bin/env python3
"""Writes the files of a large sales force for `yardstick evaluate` and its pandas peer.

    python3 benches/files/generate.py OUT [PEOPLE] [MONTHS]

OUT/teams.csv (10 regions of 10 teams), OUT/people.csv (PEOPLE senior reps, 20,000
unless told) and OUT/metrics.csv in long form (`subject,period,metric,value`): 23
metrics per person and month for MONTHS months ending 2026-10 (3 unless told), the
months interleaved as a CRM export writes them. 20,000 people over 3 months is
1,380,000 metric rows. The numbers are drawn from a fixed seed, so every run writes
the same files; a few reps break the compliance red line or pass the complaint cap.
"""
import os
import random
import sys

METRICS = [
    "customer_records", "complete_records", "visits_planned", "visits_made",
    "deals_closed", "total_cycle_days", "sales_target", "sales_amount",
    "sales_forecast", "sales_last_period", "marketing_spend", "sales_spend",
    "new_customers", "leads", "leads_converted", "customers_at_start",
    "customers_at_end", "churned_customers", "repeat_customers", "orders",
    "referring_customers", "complaints", "compliance_violations",
]


def month_values(rng):
    records = rng.randint(80, 400)
    planned = rng.randint(20, 60)
    deals = rng.randint(2, 30)
    target = rng.randint(40, 200) * 1000
    amount = round(target * rng.uniform(0.5, 1.5), 2)
    customers = rng.randint(40, 300)
    leads = rng.randint(20, 200)
    new = rng.randint(1, max(1, leads // 3))
    return [
        records,
        records - rng.randint(0, records // 8),
        planned,
        round(planned * rng.uniform(0.5, 1.2)),
        deals,
        deals * rng.randint(20, 60),
        target,
        amount,
        round(amount * rng.uniform(0.7, 1.3), 2),
        round(amount / rng.uniform(0.8, 1.3), 2),
        rng.randint(5, 60) * 100,
        rng.randint(5, 60) * 100,
        new,
        leads,
        rng.randint(0, new),
        customers,
        customers + rng.randint(-10, 20),
        rng.randint(0, 10),
        rng.randint(0, customers // 2),
        rng.randint(deals, deals * 3),
        rng.randint(0, 6),
        rng.choice((0, 0, 0, 0, 1, 2, 5, 12)),
        1 if rng.random() < 0.01 else 0,
    ]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    months = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rng = random.Random(20261205)
    periods = [f"2026-{m:02}" for m in range(11 - months, 11)]
    with open(f"{out}/teams.csv", "w") as f:
        f.write("id,name,parent\n")
        for r in range(10):
            f.write(f"region{r},Region {r},\n")
            for t in range(10):
                f.write(f"team{r}{t},Team {r}{t},region{r}\n")
    with open(f"{out}/people.csv", "w") as f:
        f.write("id,name,email,team,role\n")
        for p in range(people):
            f.write(f"s{p:07},Rep {p},s{p:07}@example.com,team{p % 100:02},senior_rep\n")
    with open(f"{out}/metrics.csv", "w") as f:
        f.write("subject,period,metric,value\n")
        for p in range(people):
            lines = []
            for period in periods:
                values = month_values(rng)
                lines.extend(f"s{p:07},{period},{m},{v}\n" for m, v in zip(METRICS, values))
            f.write("".join(lines))


if __name__ == "__main__":
    main()
