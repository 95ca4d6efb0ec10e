"""A differentiable lambda-calculus machine for a small Lisp, checked against a reference interpreter."""
