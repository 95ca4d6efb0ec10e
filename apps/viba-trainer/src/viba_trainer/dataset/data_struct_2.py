def make_point(x: int, y: int) -> dict:
    return {"x": x, "y": y}
