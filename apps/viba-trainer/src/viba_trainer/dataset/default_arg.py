def split_name(full: str, sep: str = " ") -> tuple[str, str]:
    first, _, last = full.partition(sep)
    return first, last
