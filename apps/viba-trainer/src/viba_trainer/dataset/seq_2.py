def farewell(user: str) -> str:
    opening = "Goodbye"
    reply = opening + ", " + user + "."
    return reply
