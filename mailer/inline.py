"""CSS inlined into the HTML of a mail with Premailer, and nothing fetched. Pure.

Premailer's own switches keep it from loading `<link>` stylesheets and external files,
but the CSS parser underneath (cssutils) follows `@import` rules with a fetcher of its
own: a template with `@import url(http://...)` made every check, preview and tick wait
on that server. Here the parser is given a fetcher that refuses, so an import stays an
unloaded rule whatever its spelling.
"""

from __future__ import annotations

import logging

import cssutils
from premailer import Premailer


def _refuse(url: str) -> None:
    """cssutils' fetcher protocol: None means the sheet could not be had."""
    return None


class _OfflinePremailer(Premailer):
    def _parse_css_string(self, css_body: str, validate: bool = True):
        parser = cssutils.CSSParser(fetcher=_refuse, validate=validate)
        return parser.parseString(css_body)


def inline_css(page: str) -> str:
    return _OfflinePremailer(
        page,
        allow_network=False,
        allow_loading_external_files=False,
        keep_style_tags=False,
        # The media queries that stay behind (dark mode) must beat the inlined styles.
        strip_important=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
    ).transform()
