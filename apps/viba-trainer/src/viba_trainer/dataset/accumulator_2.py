def count_letters(text: str) -> dict[str, int]:
    tally = {}
    for ch in text:
        tally[ch] = tally.get(ch, 0) + 1
    return tally
