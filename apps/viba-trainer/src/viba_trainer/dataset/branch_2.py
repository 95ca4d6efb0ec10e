def sign_word(n: int) -> str:
    if n < 0:
        return "minus"
    elif n == 0:
        return "none"
    else:
        return "plus"
