def split_key(line: str, sep: str = "=") -> tuple[str, str]:
    key, _, value = line.partition(sep)
    return value, key
