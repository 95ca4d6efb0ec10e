def sum_down(m: int) -> int:
    if m == 0:
        return 0
    return m + sum_down(m - 1)
