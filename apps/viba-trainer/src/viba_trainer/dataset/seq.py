def greet(name: str) -> str:
    greeting = "Hello"
    message = greeting + ", " + name + "!"
    return message
