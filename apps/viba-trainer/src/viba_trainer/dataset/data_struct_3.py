def make_user(name: str, age: int, email: str) -> dict:
    return {"name": name, "age": age, "email": email}
