"""Schemathesis hooks: the few documented rules that JSON Schema cannot state.

JSON Schema describes one value at a time; it cannot say "ends_at after starts_at". Each
rule below keeps the generator from calling a request "valid" when it breaks such a rule,
which the operation's description in the OpenAPI document states in words. Only positive
cases are filtered (a negative case stays negative whatever it holds), and nothing else
is: every bound a schema can carry is in the schema, and every check runs.
Loaded by .ci/schemathesis (SCHEMATHESIS_HOOKS=schemathesis_hooks).
"""

import schemathesis

# "METHOD /path/{template}" -> predicates; each is given the case and says whether it
# keeps the rule.
RULES = {}


def rule(*labels):
    """Registers a predicate for the operations named by `labels`."""

    def register(predicate):
        for label in labels:
            RULES.setdefault(label, []).append(predicate)
        return predicate

    return register


def body(case):
    """The JSON body as a dict, or {} when there is none or it is not an object."""
    return case.body if isinstance(case.body, dict) else {}


@schemathesis.hook
def filter_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return True
    label = f"{case.operation.method.upper()} {case.operation.path}"
    return all(keeps(case) for keeps in RULES.get(label, ()))


def query(case):
    """The query parameters as a dict ({} when there are none)."""
    return case.query if isinstance(case.query, dict) else {}


@rule("GET /api/v1/contents")
def relevance_needs_words(case):
    params = query(case)
    return params.get("sort") != "relevance" or str(params.get("q") or "").strip() != ""


def needs_guardian(fields, stored_birth_year=None):
    """Whether a learner may be under 14 (PIPL art. 31), as the server reads it: born less
    than 15 years ago, or a pupil audience (`primary`, `junior`) without a birth year.
    Borderline years count as needing consent."""
    import datetime

    year = fields.get("birth_year", stored_birth_year)
    if isinstance(year, (int, float)):
        return year >= datetime.date.today().year - 15
    return fields.get("audience") in ("primary", "junior")


@rule("POST /api/v1/auth/register")
def registration_rules(case):
    import datetime

    fields = body(case)
    password, username = fields.get("password"), fields.get("username")
    if isinstance(password, str) and isinstance(username, str) and password.lower() == username.lower():
        return False  # the password must not be the username
    year = fields.get("birth_year")
    if isinstance(year, (int, float)) and year > datetime.date.today().year:
        return False  # a birth year is not in the future
    return fields.get("guardian_consent") is True or not needs_guardian(fields)


@rule("PATCH /api/v1/me")
def moving_into_a_pupil_audience_brings_consent(case):
    # The demo learner has no birth year and no recorded consent.
    fields = body(case)
    return fields.get("guardian_consent") is True or fields.get("audience") not in ("primary", "junior")


def _date(value):
    """A `format: date` string as a date, or None when it is not one Python reads."""
    import datetime

    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@rule(
    "GET /api/v1/admin/reports/participation",
    "GET /api/v1/admin/reports/timeseries",
    "GET /api/v1/admin/reports/contents",
)
def report_range(case):
    """`from` not after `to`, and the range covers at most 366 days."""
    query = case.query or {}
    start, end = _date(query.get("from")), _date(query.get("to"))
    if start is None or end is None:
        return True
    return start <= end and (end - start).days + 1 <= 366


def _not_after_today(value):
    """A date the server's local today has reached, whatever TONGXIN_TIMEZONE is: at
    least a day before today in UTC (no zone is more than 14 hours off UTC)."""
    import datetime

    day = _date(value)
    return day is None or day <= datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)


@rule("POST /api/v1/admin/organizations")
def organization_site_date(case):
    """`demonstration_since` only with `demonstration_site: true`, never in the future."""
    fields = body(case)
    since = fields.get("demonstration_since")
    return since is None or (fields.get("demonstration_site") is True and _not_after_today(since))


@rule("PATCH /api/v1/admin/organizations/{id}")
def organization_site_date_change(case):
    """`demonstration_since` never with `demonstration_site: false`, never in the future."""
    fields = body(case)
    since = fields.get("demonstration_since")
    return since is None or (fields.get("demonstration_site") is not False and _not_after_today(since))
