def print_ratio(name: str, part: float, whole: float) -> None:
    line = f"{name}: {part:.1f} of {whole:.1f}"
    print(line)
