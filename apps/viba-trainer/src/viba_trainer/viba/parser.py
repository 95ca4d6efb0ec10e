"""Recursive-descent parser for Viba (grammar of seed 000, "Why Viba?").

Grammar, loosest binding first (``{}`` repeats, ``[]`` optional)::

    module      = { NEWLINE | top } EOF                    -- at least one definition
    top         = definition | HINT NEWLINE | import NEWLINE
    definition  = NAME ":=" [ expr ] [ HINT ] NEWLINE [ INDENT body DEDENT ]
    body        = { definition | HINT NEWLINE | binding }
    binding     = ( "<-" expr | "|" expr | expr ) [ "=" expr ] [ HINT ] NEWLINE
                  [ INDENT body DEDENT ]
    expr        = arrow { "|" arrow }                      -- sum
    arrow       = or_ [ "<-" arrow ]                       -- exponent, right associative
    or_         = and_ { "or" and_ }
    and_        = not_ { "and" not_ }
    not_        = "not" not_ | compare
    compare     = additive { ("==" | "!=" | "<" | ">" | "<=" | ">=" | "in") additive }
    additive    = product { ("+" | "-") product }
    product     = unary { ("*" | "/" | "//" | "%") unary }
    unary       = "-" unary | juxt
    juxt        = postfix { postfix }                      -- product by adjacency: $n int
    postfix     = atom { "[" [ args ] "]" | "." NAME }
    args        = arg { "," arg } [ "," ]
    arg         = expr [ "->" expr | "=" expr ]            -- Match arm, dict entry
    atom        = NAME | VAR | TAG | INT | FLOAT | STRING | CODE | "..." | import
                | "(" ")" | "(" expr ")" | "(" arg "," [ arg { "," arg } ] ")"
                | "[" [ args ] "]"
    import      = "Import" "[" PATH "]"

A binding's kind follows from its form: ``<- $x T`` is an input, any other ``<- e`` a result,
``$x T`` a declaration, ``| T`` an alternative, ``lhs = rhs`` an assignment, a bare ``T`` a
component of the product.
"""

from __future__ import annotations

from viba_trainer.viba import ast
from viba_trainer.viba.errors import VibaSyntaxError
from viba_trainer.viba.tokenizer import Kind, Token, tokenize

KEYWORDS = frozenset({"and", "or", "not", "in"})
BOOLEANS = frozenset({"true", "false", "True", "False"})
COMPARISONS = frozenset({"==", "!=", "<", ">", "<=", ">=", "in"})
_TERM_STARTS = frozenset(
    {Kind.NAME, Kind.VAR, Kind.TAG, Kind.INT, Kind.FLOAT, Kind.STRING, Kind.CODE}
)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    # -- token helpers -----------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def at(self, kind: Kind, text: str | None = None) -> bool:
        token = self.token
        return token.kind is kind and (text is None or token.text == text)

    def at_op(self, *ops: str) -> bool:
        return self.token.kind is Kind.OP and self.token.text in ops

    def at_keyword(self, *words: str) -> bool:
        return self.token.kind is Kind.NAME and self.token.text in words

    def take(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def fail(self, expected: str, token: Token | None = None) -> VibaSyntaxError:
        token = token or self.token
        return VibaSyntaxError(
            f"expected {expected}, found {token.describe()}", token.line, token.column
        )

    def expect_op(self, op: str, context: str = "") -> Token:
        if not self.at_op(op):
            raise self.fail(f"{op!r}{context}")
        return self.take()

    def starts_term(self) -> bool:
        token = self.token
        if token.kind is Kind.NAME:
            return token.text not in KEYWORDS
        return token.kind in _TERM_STARTS or self.at_op("(", "...")

    # -- module and statements ---------------------------------------------------------------

    def module(self) -> ast.Module:
        statements: list[ast.Statement] = []
        while not self.at(Kind.EOF):
            if self.at(Kind.NEWLINE):
                self.take()
            elif self.at(Kind.INDENT):
                raise VibaSyntaxError(
                    "unexpected indent at top level", self.token.line, self.token.column
                )
            else:
                statements.append(self.top_level())
        if not any(isinstance(s, ast.Definition) for s in statements):
            raise VibaSyntaxError(
                "no definition found; a Viba file defines at least one 'name := ...'", 1, 1
            )
        return ast.Module(tuple(statements), line=1, column=1)

    def top_level(self) -> ast.Statement:
        token = self.token
        if self.at(Kind.HINT):
            return self.hint()
        if self.at(Kind.NAME, "Import") and self.tokens[self.index + 1].text == "[":
            expr = self.postfix()
            self.end_of_statement()
            return ast.Binding("component", expr, line=token.line, column=token.column)
        if self.at(Kind.NAME):
            return self.definition()
        raise self.fail("a definition 'name := ...', an Import[...] or a '# hint'")

    def hint(self) -> ast.Hint:
        token = self.take()
        self.end_of_statement()
        return ast.Hint(token.text[1:].strip(), line=token.line, column=token.column)

    def definition(self) -> ast.Definition:
        name = self.take()
        if not self.at_op(":="):
            raise self.fail(f"':=' after the name {name.text!r} (definitions read 'name := ...')")
        self.take()
        head = None if self.at(Kind.NEWLINE) or self.at(Kind.HINT) else self.sum_line()
        hint = self.trailing_hint()
        self.end_of_statement()
        body = self.block()
        if head is None and not body:
            raise VibaSyntaxError(
                f"definition {name.text!r} is empty; give a type after ':=' or an indented body",
                name.line,
                name.column,
            )
        return ast.Definition(name.text, head, body, hint, line=name.line, column=name.column)

    def block(self) -> tuple[ast.Statement, ...]:
        if not self.at(Kind.INDENT):
            return ()
        self.take()
        statements: list[ast.Statement] = []
        while not self.at(Kind.DEDENT) and not self.at(Kind.EOF):
            statements.append(self.statement())
        if self.at(Kind.DEDENT):
            self.take()
        return tuple(statements)

    def statement(self) -> ast.Statement:
        if self.at(Kind.HINT):
            return self.hint()
        if self.at(Kind.INDENT):
            raise VibaSyntaxError("unexpected indent", self.token.line, self.token.column)
        if self.at(Kind.NAME) and self.tokens[self.index + 1].text == ":=":
            return self.definition()
        return self.binding()

    def binding(self) -> ast.Binding:
        start = self.token
        if self.at_op("<-"):
            self.take()
            expr = self.expr()
            kind: ast.BindingKind = "input" if _declares_variable(expr) else "result"
        elif self.at_op("|"):
            expr = self.sum_line()
            kind = "alternative"
        else:
            expr = self.expr()
            kind = "declaration" if _declares_variable(expr) else "component"
        value = None
        if self.at_op("="):
            self.take()
            value = self.expr()
            if kind == "component":
                kind = "assignment"
        hint = self.trailing_hint()
        self.end_of_statement()
        return ast.Binding(
            kind, expr, value, hint, self.block(), line=start.line, column=start.column
        )

    def sum_line(self) -> ast.Expr:
        """An expression that may open with '|' (a sum written one alternative per line)."""
        if self.at_op("|"):
            bar = self.take()
            expr = self.expr()
            alternatives = expr.alternatives if isinstance(expr, ast.Sum) else (expr,)
            return ast.Sum(alternatives, line=bar.line, column=bar.column)
        return self.expr()

    def trailing_hint(self) -> str | None:
        return self.take().text[1:].strip() if self.at(Kind.HINT) else None

    def end_of_statement(self) -> None:
        if self.at(Kind.NEWLINE):
            self.take()
        elif not self.at(Kind.EOF) and not self.at(Kind.DEDENT):
            raise self.fail("end of line")

    # -- expressions -------------------------------------------------------------------------

    def expr(self) -> ast.Expr:
        first = self.arrow()
        if not self.at_op("|"):
            return first
        alternatives = [first]
        while self.at_op("|"):
            self.take()
            alternatives.append(self.arrow())
        return ast.Sum(tuple(alternatives), line=first.line, column=first.column)

    def arrow(self) -> ast.Expr:
        left = self.logical_or()
        if self.at_op("<-"):
            self.take()
            return ast.Binary("<-", left, self.arrow(), line=left.line, column=left.column)
        return left

    def logical_or(self) -> ast.Expr:
        return self.left_assoc(self.logical_and, lambda: self.at_keyword("or"))

    def logical_and(self) -> ast.Expr:
        return self.left_assoc(self.logical_not, lambda: self.at_keyword("and"))

    def logical_not(self) -> ast.Expr:
        if self.at_keyword("not"):
            token = self.take()
            return ast.Unary("not", self.logical_not(), line=token.line, column=token.column)
        return self.compare()

    def compare(self) -> ast.Expr:
        return self.left_assoc(
            self.additive, lambda: self.at_op(*COMPARISONS) or self.at_keyword("in")
        )

    def additive(self) -> ast.Expr:
        return self.left_assoc(self.product, lambda: self.at_op("+", "-"))

    def product(self) -> ast.Expr:
        return self.left_assoc(self.unary, lambda: self.at_op("*", "/", "//", "%"))

    def left_assoc(self, operand, at_operator) -> ast.Expr:
        left = operand()
        while at_operator():
            op = self.take().text
            left = ast.Binary(op, left, operand(), line=left.line, column=left.column)
        return left

    def unary(self) -> ast.Expr:
        if self.at_op("-"):
            token = self.take()
            return ast.Unary("-", self.unary(), line=token.line, column=token.column)
        return self.juxt()

    def juxt(self) -> ast.Expr:
        if not self.starts_term() and not self.at_op("["):  # a list literal may open a term
            raise self.fail("a type or an expression")
        items = [self.postfix()]
        while self.starts_term():
            items.append(self.postfix())
        if len(items) == 1:
            return items[0]
        return ast.Juxt(tuple(items), line=items[0].line, column=items[0].column)

    def postfix(self) -> ast.Expr:
        expr = self.atom()
        while self.at_op("[", "."):
            if self.take().text == "[":
                args = self.args("]")
                expr = ast.Apply(expr, args, line=expr.line, column=expr.column)
            else:
                if not self.at(Kind.NAME):
                    raise self.fail("a name after '.'")
                name = self.take().text
                expr = ast.Attribute(expr, name, line=expr.line, column=expr.column)
        return expr

    def args(self, closer: str) -> tuple[ast.Expr, ...]:
        """Comma-separated arguments up to ``closer``, which is consumed."""
        opener = self.tokens[self.index - 1]
        items: list[ast.Expr] = []
        while not self.at_op(closer):
            items.append(self.arg())
            if not self.at_op(","):
                break
            self.take()
        if not self.at_op(closer):
            raise self.fail(
                f"',' or {closer!r} to close {opener.text!r} opened at line {opener.line}, "
                f"column {opener.column}"
            )
        self.take()
        return tuple(items)

    def arg(self) -> ast.Expr:
        left = self.expr()
        if self.at_op("->"):
            self.take()
            return ast.Case(left, self.expr(), line=left.line, column=left.column)
        if self.at_op("="):
            self.take()
            return ast.Entry(left, self.expr(), line=left.line, column=left.column)
        return left

    def atom(self) -> ast.Expr:
        token = self.token
        where = {"line": token.line, "column": token.column}
        if token.kind is Kind.NAME:
            self.take()
            if token.text == "Import" and self.at_op("["):
                self.take()
                path = self.take().text
                self.expect_op("]", " to close Import[")
                return ast.Import(path, **where)
            if token.text in BOOLEANS:
                return ast.Literal("bool", token.text, **where)
            return ast.Name(token.text, **where)
        if token.kind in (Kind.VAR, Kind.TAG):
            self.take()
            node = ast.Var if token.kind is Kind.VAR else ast.Tag
            return node(token.text[1:], **where)
        if token.kind in (Kind.INT, Kind.FLOAT, Kind.STRING, Kind.CODE):
            self.take()
            return ast.Literal(_literal_kind(token), token.text, **where)
        if self.at_op("..."):
            self.take()
            return ast.Ellipsis(**where)
        if self.at_op("("):
            self.take()
            return self.parenthesized(token)
        if self.at_op("["):
            self.take()
            return ast.ListLiteral(self.args("]"), **where)
        raise self.fail("a type or an expression")

    def parenthesized(self, opener: Token) -> ast.Expr:
        where = {"line": opener.line, "column": opener.column}
        if self.at_op(")"):
            self.take()
            return ast.Unit(**where)
        items = self.args(")")
        if len(items) == 1 and self.tokens[self.index - 2].text != ",":
            return items[0]
        return ast.Tuple(items, **where)


def _declares_variable(expr: ast.Expr) -> bool:
    """``$x T`` (a variable followed by its type) declares a variable."""
    return isinstance(expr, ast.Juxt) and isinstance(expr.items[0], ast.Var)


def _literal_kind(token: Token) -> ast.LiteralKind:
    if token.kind is Kind.INT:
        return "int"
    if token.kind is Kind.FLOAT:
        return "float"
    if token.kind is Kind.CODE:
        return "code_block"
    return "triple_string" if token.text[:3] in ("'''", '"""') else "string"


def parse_viba(text: str) -> ast.Module:
    """Parse Viba source into a :class:`~viba_trainer.viba.ast.Module`.

    Raises :class:`VibaSyntaxError` naming the line and column of the first problem.
    """
    return _Parser(tokenize(text)).module()


def check_viba(text: str) -> VibaSyntaxError | None:
    """Return the first syntax error of ``text``, or ``None`` when it is valid Viba."""
    try:
        parse_viba(text)
    except VibaSyntaxError as error:
        return error
    return None


def is_valid_viba(text: str) -> bool:
    """True when ``text`` parses as Viba."""
    return check_viba(text) is None
