def odd_doubles(values: list[int]) -> list[int]:
    return [v * 2 for v in values if v % 2 == 1]
