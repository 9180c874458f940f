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


@rule("POST /api/v1/auth/password")
def a_new_password_is_new(case):
    fields = body(case)
    new, old, username = fields.get("new_password"), fields.get("password"), fields.get("username")
    if not isinstance(new, str):
        return True
    # Neither the current password nor the username.
    return new != old and not (isinstance(username, str) and new.lower() == username.lower())


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
    "GET /api/v1/admin/organizations/{id}/members/progress",
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


def given(data, field):
    """Whether `field` is present and not null."""
    return data.get(field) is not None


def ordered(data, first, then):
    """`then` is after `first` when both are given (RFC 3339 strings, compared as times)."""
    from datetime import datetime

    if not (isinstance(data.get(first), str) and isinstance(data.get(then), str)):
        return True
    try:
        a = datetime.fromisoformat(data[first].replace("Z", "+00:00"))
        b = datetime.fromisoformat(data[then].replace("Z", "+00:00"))
    except ValueError:
        return True
    if a.tzinfo is None or b.tzinfo is None:
        return True
    return a < b


# Contents: the fields of one kind only; an article has a body, a video its file.
@rule("POST /api/v1/admin/contents")
def content_fits_its_kind(case):
    data = body(case)
    video_only = given(data, "media_id") or given(data, "duration_s") or given(data, "poster_media_id")
    if data.get("kind") == "article":
        return given(data, "body_markdown") and not video_only
    if data.get("kind") == "video":
        return given(data, "media_id") and not given(data, "body_markdown")
    return True


@rule("PATCH /api/v1/admin/contents/{id}")
def content_edit_has_one_kinds_fields(case):
    data = body(case)
    video_only = given(data, "media_id") or given(data, "duration_s") or given(data, "poster_media_id")
    return not (video_only and given(data, "body_markdown"))


# Quizzes: question_ids or draw; a daily quiz draws; closes_at after opens_at;
# review after_close needs closes_at.
@rule("POST /api/v1/admin/quizzes", "PATCH /api/v1/admin/quizzes/{id}")
def quiz_rules(case):
    data = body(case)
    creating = case.operation.method.upper() == "POST"
    if given(data, "question_ids") and given(data, "draw"):
        return False
    if creating and not (given(data, "question_ids") or given(data, "draw")):
        return False
    if data.get("mode") == "daily" and (given(data, "question_ids") or (creating and not given(data, "draw"))):
        return False
    if data.get("review") == "after_close" and creating and not given(data, "closes_at"):
        return False
    if data.get("review") == "after_close" and "closes_at" in data and data["closes_at"] is None:
        return False
    return ordered(data, "opens_at", "closes_at")


# Campaigns: ends_at after starts_at, at most 366 days later.
@rule("POST /api/v1/admin/campaigns", "PATCH /api/v1/admin/campaigns/{id}")
def campaign_window(case):
    from datetime import datetime, timedelta

    data = body(case)
    if not ordered(data, "starts_at", "ends_at"):
        return False
    try:
        starts = datetime.fromisoformat(data["starts_at"].replace("Z", "+00:00"))
        ends = datetime.fromisoformat(data["ends_at"].replace("Z", "+00:00"))
    except (KeyError, AttributeError, TypeError, ValueError):
        return True
    return (ends - starts).days <= 366


def question_fits_its_kind(data, creating):
    kind = data.get("kind")
    options = data.get("options")
    answer = data.get("answer")
    if not creating and not ("kind" in data and "options" in data and "answer" in data):
        # The rest is merged with the stored question: a misfit is 409, allowed.
        return True
    options = options or []
    keys = [o.get("key", "").strip() for o in options if isinstance(o, dict)]
    if len(set(keys)) != len(keys):
        return False
    if kind in ("single", "multiple"):
        if not 2 <= len(options) <= 8:
            return False
        if kind == "single":
            return isinstance(answer, str) and answer.strip() in keys
        return isinstance(answer, list) and len(answer) > 0 and all(a in keys for a in answer)
    if options:
        return False
    if kind == "true_false":
        return isinstance(answer, bool)
    if kind == "fill_blank":
        return (
            isinstance(answer, list)
            and len(answer) > 0
            and all(isinstance(a, str) and a.strip() and len(a) <= 200 for a in answer)
        )
    return True


# Questions: options and answer fit the kind.
@rule("POST /api/v1/admin/questions")
def new_question_fits_its_kind(case):
    return question_fits_its_kind(body(case), True)


@rule("PATCH /api/v1/admin/questions/{id}")
def question_patch_fits_its_kind(case):
    return question_fits_its_kind(body(case), False)


CSV_HEADER = ["kind", "topic", "stem", "options", "answer", "explanation", "difficulty", "tags", "audiences"]


def csv_row_fits(cells):
    """One CSV row read as the operation's description says (options `A=text|B=text`, ...)."""
    if len(cells) != len(CSV_HEADER):
        return False
    kind, topic, stem, options, answer, explanation, difficulty, tags, audiences = cells
    if not topic.strip() or not stem.strip() or (difficulty and difficulty not in "12345"):
        return False
    pairs = [o.split("=", 1) for o in options.split("|")] if options else []
    if any(len(p) != 2 or not p[1].strip() for p in pairs):
        return False
    row = {"kind": kind, "options": [{"key": k, "text": t} for k, t in pairs]}
    if kind == "true_false":
        if answer not in ("true", "false"):
            return False
        row["answer"] = answer == "true"
    elif kind == "single":
        row["answer"] = answer
    else:
        row["answer"] = answer.split("|")
    return question_fits_its_kind(row, True)


def csv_body_rows(case, header, most):
    """The data rows of a CSV body under exactly `header` (1 to `most` of them), [] when
    the body is not such a file, or None when the body is not text (a JSON case)."""
    if not isinstance(case.body, (str, bytes)):
        return None
    import csv
    import io

    text = case.body.decode("utf-8", "replace") if isinstance(case.body, bytes) else case.body
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [h.strip().lower() for h in rows[0]] != header or not 1 <= len(rows) - 1 <= most:
        return []
    return rows[1:]


@rule("POST /api/v1/admin/questions/import")
def imported_csv_is_read_as_documented(case):
    """A CSV body is the documented header and 1-1000 rows of the documented form."""
    rows = csv_body_rows(case, CSV_HEADER, 1000)
    return rows is None or (rows != [] and all(csv_row_fits(row) for row in rows))


@rule("POST /api/v1/admin/questions/import")
def imported_questions_fit_their_kinds(case):
    rows = body(case).get("questions")
    if not isinstance(rows, list):
        return True
    return all(isinstance(row, dict) and question_fits_its_kind(row, True) for row in rows)


# Media: the file's bytes must be a supported video or image (the type is read from the
# bytes, as the operation says); JSON Schema cannot look inside a binary string.
SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\x1a\x45\xdf\xa3")


def is_supported_file(data):
    if not isinstance(data, (bytes, bytearray)):
        return False
    data = bytes(data)
    riff_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    mp4_or_mov = data[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
    return data.startswith(SIGNATURES) or riff_webp or mp4_or_mov


@rule("POST /api/v1/admin/media")
def upload_is_a_supported_file(case):
    form = case.body if isinstance(case.body, dict) else {}
    return is_supported_file(form.get("file"))


# Class roster import (POST /admin/organizations/{id}/roster): a birth year is not in the
# future, a learner who may be under 14 brings guardian consent, a student number appears
# once per file; a CSV body is the documented header and 1-200 rows read as documented.
ROSTER_HEADER = ["display_name", "birth_year", "audience", "student_number", "guardian_consent"]
AUDIENCES = ("primary", "junior", "senior", "university", "cadre", "party_member", "public")


def roster_learner_fits(learner):
    import datetime

    year = learner.get("birth_year")
    if isinstance(year, (int, float)) and year > datetime.date.today().year:
        return False
    return learner.get("guardian_consent") is True or not needs_guardian(learner)


def student_numbers_unique(learners):
    numbers = [l.get("student_number") for l in learners if l.get("student_number") is not None]
    return len(numbers) == len(set(numbers))


def roster_csv_row(cells):
    """One CSV row as the learner it stands for (cells trimmed), or None when the row
    breaks a rule the operation's description states."""
    import datetime
    import re
    import unicodedata

    if len(cells) != len(ROSTER_HEADER):
        return None
    name, year, audience, number, consent = (c.strip() for c in cells)
    if not 1 <= len(name) <= 50 or len(cells[0]) > 50:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        return None
    learner = {"display_name": name, "audience": audience}
    if audience not in AUDIENCES:
        return None
    if year:
        if not re.fullmatch(r"[0-9]{4}", year) or not 1900 <= int(year) <= datetime.date.today().year:
            return None
        learner["birth_year"] = int(year)
    if number:
        if not re.fullmatch(r"[!-~]{1,32}", number):
            return None
        learner["student_number"] = number
    if consent.lower() not in ("", "true", "false"):
        return None
    if consent.lower() == "true":
        learner["guardian_consent"] = True
    return learner if roster_learner_fits(learner) else None


@rule("POST /api/v1/admin/organizations/{id}/roster")
def roster_csv_is_read_as_documented(case):
    rows = csv_body_rows(case, ROSTER_HEADER, 200)
    if rows is None:
        return True
    learners = [roster_csv_row(row) for row in rows]
    return rows != [] and all(l is not None for l in learners) and student_numbers_unique(learners)


@rule("POST /api/v1/admin/organizations/{id}/roster")
def roster_learners_keep_the_cross_field_rules(case):
    learners = body(case).get("learners")
    if not isinstance(learners, list):
        return True
    if not all(isinstance(l, dict) for l in learners):
        return True
    return all(roster_learner_fits(l) for l in learners) and student_numbers_unique(learners)
