"""Logging (Powertools Logger). No tracer: X-Ray would double the cold start for little here.

Never log phone numbers, codes, tokens, passwords or request bodies.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="contest")
