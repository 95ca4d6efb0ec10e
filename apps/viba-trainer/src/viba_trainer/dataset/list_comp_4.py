def big_cubes(nums: list[int]) -> list[int]:
    return [n * n * n for n in nums if n > 10]
