def print_count(item: str, count: int) -> None:
    message = f"{item}: {count}"
    print(message)
