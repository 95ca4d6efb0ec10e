def make_multiplier(k: int):
    def multiply(v: int) -> int:
        return k * v

    return multiply
