def safe_inverse(x: float) -> float:
    if x == 0:
        raise ValueError("zero has no inverse")
    return 1 / x
