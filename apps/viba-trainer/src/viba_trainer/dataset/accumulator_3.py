def total_lengths(words: list[str]) -> dict[str, int]:
    sizes = {}
    for word in words:
        sizes[word] = sizes.get(word, 0) + len(word)
    return sizes
