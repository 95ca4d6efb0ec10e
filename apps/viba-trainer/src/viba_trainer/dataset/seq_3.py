def full_title(first: str, last: str) -> str:
    title = "Dr. "
    name = first + " " + last
    result = title + name
    return result
