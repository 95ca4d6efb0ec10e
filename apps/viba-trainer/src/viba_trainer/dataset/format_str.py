def print_report(name: str, score: float) -> None:
    line = f"{name}: {score:.1f}"
    print(line)
