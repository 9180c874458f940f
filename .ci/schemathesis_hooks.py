"""Schemathesis hooks: the few documented rules that JSON Schema cannot state.

JSON Schema describes one value at a time; it cannot say "ends_at after starts_at". Each
filter below keeps the generator from calling a request "valid" when it breaks such a
rule, which the operation's description in the OpenAPI document states in words. Nothing
else is filtered: every bound a schema can carry is in the schema, and every check runs.
Loaded by .ci/schemathesis (SCHEMATHESIS_HOOKS=schemathesis_hooks).
"""

import schemathesis
