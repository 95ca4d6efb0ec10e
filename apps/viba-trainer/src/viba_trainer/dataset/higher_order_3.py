def apply_thrice(f, x: str) -> str:
    return f(f(f(x)))
