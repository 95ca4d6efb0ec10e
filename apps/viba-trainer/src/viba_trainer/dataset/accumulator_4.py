def sum_by_name(names: list[str], amount: float) -> dict[str, float]:
    totals = {}
    for name in names:
        totals[name] = totals.get(name, 0.0) + amount
    return totals
