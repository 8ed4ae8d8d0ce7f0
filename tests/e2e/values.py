"""The fake sensitive values the e2e suite sends, and what must never appear in Envoy's output."""

EMAIL = "jane.doe.e2e@example.com"
CARD = "4111 1111 1111 1111"
CARD_DIGITS = "4111111111111111"
# A fake OpenAI project key (format only; it has never been valid anywhere).
API_KEY = "sk-proj-E2eFakeKey0000NotReal0000abcdefghijklmnopqrstuvwxyz0123456789"

SENSITIVE_TEXT = f"Please email {EMAIL} and charge card {CARD} for the order."

# Substrings that must not appear anywhere in Envoy's captured stdout/stderr, in any test.
ALWAYS_FORBIDDEN = (
    EMAIL,
    "jane.doe.e2e",
    CARD,
    CARD_DIGITS,
    "4111-1111",
    API_KEY,
    API_KEY[8:28],  # a middle slice: catches a logged key even if it was truncated
)
