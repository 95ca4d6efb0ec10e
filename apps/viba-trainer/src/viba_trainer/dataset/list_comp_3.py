def positive_halves(xs: list[float]) -> list[float]:
    return [x / 2 for x in xs if x > 0]
