def temperature(celsius: float) -> str:
    if celsius > 30.0:
        return "hot"
    elif celsius > 15.0:
        return "mild"
    else:
        return "cold"
