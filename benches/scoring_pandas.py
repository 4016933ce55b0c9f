#!/usr/bin/env python3
"""The pandas peer of `cargo bench --bench scoring`: the same 20 KPIs over the same
100,000 reps' numbers, the way an analyst would write them in pandas.

    python3 benches/scoring_pandas.py NUMBERS REPS

NUMBERS holds REPS x 40 metric values (little-endian f64, a row per rep), as the
bench writes them. Rep p is in team p % 100; teams 0, 10, ..., 90 each have the nine
teams after them as sub-teams, whose members are theirs too. Prints, best of RUNS
wall times in seconds:

    kpis      every KPI of every rep and team (team inputs summed over members)
    cards     the same, then points, tier scores, totals and grades
    checksum  the sum of every KPI value, for the bench to compare with its own
"""
import sys
import time

import numpy as np
import pandas as pd

KPIS = 20
METRICS = 40
# Runs of each measurement, the best taken; the bench takes as many of its own.
RUNS = 20
TARGET = 50.0


def kpi_values(frame):
    """The bench's 20 formulas; no value (NaN) where one divides by zero."""
    m = lambda i: frame[f"m{i}"]
    out = {}
    for k in range(KPIS):
        a, b, c = 2 * k, 2 * k + 1, (2 * k + 2) % METRICS
        if k % 4 == 0:
            v = m(a) / m(b) * 100
        elif k % 4 == 1:
            v = (m(a) + m(c)) / m(b)
        elif k % 4 == 2:
            v = (m(a) - m(b)) / m(c) * 100
        else:
            v = np.minimum(m(a), m(b)) / np.maximum(m(c), 1) * 100
        out[f"k{k}"] = v.where(np.isfinite(v))
    return pd.DataFrame(out)


def kpis(people, team):
    values = kpi_values(people)
    direct = people.groupby(team).sum()
    # A top team's inputs are its own members' and its nine sub-teams' members'.
    tops = direct.groupby(direct.index // 10 * 10).sum()
    teams = direct.copy()
    teams.loc[tops.index] = tops
    return values, kpi_values(teams)


def points(values):
    out = {}
    for k in range(KPIS):
        v = values[f"k{k}"]
        achievement = v / TARGET * 100
        if k % 4 == 0:
            p = np.where(achievement < 60, 0.0, np.maximum(np.minimum(achievement, 120), 0.0))
        elif k % 4 == 1:
            p = np.select([achievement >= 100, achievement >= 80], [100.0, 60.0], 0.0)
        elif k % 4 == 2:
            p = np.where(v >= TARGET, 100.0, 0.0)
        else:
            p = np.maximum(np.minimum(achievement, 150), 0.0)
        out[f"k{k}"] = p
    return pd.DataFrame(out, index=values.index)


def cards(values):
    p = points(values)
    total = 0.0
    for tier, weight in enumerate([30.0, 30.0, 40.0]):
        members = [f"k{k}" for k in range(KPIS) if k % 3 == tier]
        total = total + p[members].mean(axis=1) * weight / 100
    total = total.clip(0, 150)
    return pd.DataFrame({"total": total, "grade": np.where(total >= 100, "A", "B")})


def best_of(runs, work):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main():
    path, reps = sys.argv[1], int(sys.argv[2])
    numbers = np.fromfile(path, dtype="<f8").reshape(reps, METRICS)
    people = pd.DataFrame(numbers, columns=[f"m{i}" for i in range(METRICS)])
    team = np.arange(reps) % 100
    kpi_time, (person_kpis, team_kpis) = best_of(RUNS, lambda: kpis(people, team))

    def whole():
        person_kpis, team_kpis = kpis(people, team)
        return cards(person_kpis), cards(team_kpis)

    card_time, _ = best_of(RUNS, whole)
    print(f"kpis {kpi_time}")
    print(f"cards {card_time}")
    print(f"checksum {float(person_kpis.to_numpy().sum() + team_kpis.to_numpy().sum())!r}")


if __name__ == "__main__":
    main()
