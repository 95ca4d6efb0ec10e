def count_down(start: int) -> int:
    steps = 0
    for j in range(0, start):
        steps += 2
    return steps
