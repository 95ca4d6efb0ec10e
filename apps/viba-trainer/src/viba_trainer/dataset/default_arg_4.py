def split_path(path: str, sep: str = "/") -> tuple[str, str]:
    folder, _, file = path.partition(sep)
    return folder, file
