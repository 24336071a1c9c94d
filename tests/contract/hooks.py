"""Schemathesis hooks for the contract run (loaded through SCHEMATHESIS_HOOKS by run.sh).

Hosted pages answer text/html. Deserializing them as text lets schemathesis validate those
responses against the spec's HtmlPage schema (a whole document) instead of skipping them.
"""
import schemathesis


@schemathesis.deserializer("text/html")
def deserialize_html(ctx, response):
    return response.content.decode(response.encoding or "utf-8")

