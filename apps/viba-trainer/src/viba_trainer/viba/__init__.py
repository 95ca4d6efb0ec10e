"""The Viba language: tokenizer, syntax tree and a recursive-descent syntax checker."""

from viba_trainer.viba import ast
from viba_trainer.viba.errors import VibaSyntaxError
from viba_trainer.viba.parser import check_viba, is_valid_viba, parse_viba
from viba_trainer.viba.printer import format_expr, format_viba
from viba_trainer.viba.strict import check_strict_viba, is_strict_viba
from viba_trainer.viba.tokenizer import Token, tokenize

__all__ = [
    "Token",
    "VibaSyntaxError",
    "ast",
    "check_strict_viba",
    "check_viba",
    "format_expr",
    "format_viba",
    "is_strict_viba",
    "is_valid_viba",
    "parse_viba",
    "tokenize",
]
