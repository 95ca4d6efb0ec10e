def checked_index(items: list[str], i: int) -> str:
    if i >= len(items):
        raise IndexError("index out of range")
    return items[i]
