def split_pair(text: str, delim: str = ",") -> tuple[str, str]:
    head, _, tail = text.partition(delim)
    return head, tail
