def apply_once(g, y: int) -> int:
    return g(y)
