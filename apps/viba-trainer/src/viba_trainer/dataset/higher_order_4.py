def compose(f, g, x: float) -> float:
    return f(g(x))
