def sum_squares(n: int) -> int:
    total = 0
    for i in range(1, n + 1):
        square = i * i
        total += square
    return total
