def make_pair(a: str, b: str) -> dict:
    return {"first": a, "second": b}
