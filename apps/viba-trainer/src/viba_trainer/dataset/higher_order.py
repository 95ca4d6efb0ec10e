def apply_twice(f, x: int) -> int:
    return f(f(x))
