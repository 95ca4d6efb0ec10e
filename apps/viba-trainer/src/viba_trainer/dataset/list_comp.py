def even_squares(nums: list[int]) -> list[int]:
    return [n * n for n in nums if n % 2 == 0]
