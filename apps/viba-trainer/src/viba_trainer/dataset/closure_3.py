def make_prefixer(prefix: str):
    def add_prefix(word: str) -> str:
        return prefix + word

    return add_prefix
