def make_range(low: float, high: float) -> dict:
    return {"low": low, "high": high}
