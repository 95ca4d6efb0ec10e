def make_scaler(factor: float, offset: float):
    def scale(x: float) -> float:
        return factor * x + offset

    return scale
