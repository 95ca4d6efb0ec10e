def classify(x: int) -> str:
    if x > 0:
        return "positive"
    elif x == 0:
        return "zero"
    else:
        return "negative"
