def product_to(limit: int) -> int:
    result = 1
    for k in range(2, limit + 1):
        result *= k
    return result
