"""The command line: one module per command group, each thin (parse, call, print)."""

from liquidator.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
