def print_total(label: str, amount: float) -> None:
    text = f"{label} = {amount:.2f}"
    print(text)
