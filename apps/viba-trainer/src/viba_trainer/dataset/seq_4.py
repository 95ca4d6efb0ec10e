def scaled_area(width: float, height: float) -> float:
    factor = 2.5
    area = width * height * factor
    return area
