def power_of_two(k: int) -> int:
    if k <= 0:
        return 1
    return 2 * power_of_two(k - 1)
