// Org admin: class roster import (POST /admin/organizations/{id}/roster, CSV). A 422 names
// every bad row (`line[n].field`) and nothing is written; a success lists the usernames and
// initial passwords, shown once, and prints one slip per pupil.
//
// The slips are rendered here from the JSON answer rather than by asking the server for its
// printable HTML: an import must not run twice, and the server's page (a second document
// with its own CSP) would need a second request or a blob: window. The slips carry the same
// facts as the server's sheet: name, class, username, initial password, how to sign in,
// expiry.
import { html, useState, useEffect } from "../ui.js";
import { t } from "../i18n.js";
import { api, listAll, ApiError } from "../api.js";
import { useDraft } from "../drafts.js";
import { dateTime } from "../format.js";

export const TEMPLATE = "display_name,birth_year,audience,student_number,guardian_consent\n";

/** `line[3].birth_year` → {line: "3", field: "birth_year"}; other names stay whole. */
export function rowError(error) {
  const match = /^(?:line|learners)\[(\d+)\]\.?(.*)$/.exec(error.field || "");
  return match ? { line: match[1], field: match[2], message: error.message } : { line: "", field: error.field, message: error.message };
}

function Slips({ result }) {
  return html`<section class="slips" aria-label=${t("roster.slips")}>
    ${result.created.map(
      (c) => html`<article class="slip" key=${c.user_id}>
        <h3>${c.display_name}</h3>
        <p>${result.organization.name}</p>
        <dl>
          <dt>${t("roster.username")}</dt><dd><code>${c.username}</code></dd>
          <dt>${t("roster.initial_password")}</dt><dd><code>${c.initial_password}</code></dd>
        </dl>
        <p class="small">${t("roster.slip_how")}</p>
        <p class="small">${t("roster.slip_expires", { when: dateTime(result.passwords_expire_at) })}</p>
      </article>`,
    )}
  </section>`;
}

function Result({ result }) {
  return html`<div class="result" aria-labelledby="roster-done">
    <h2 id="roster-done">${t("roster.done", { created: result.created.length, existing: result.existing.length, unit: result.organization.name })}</h2>
    <p class="notice">${t("roster.shown_once", { when: dateTime(result.passwords_expire_at) })}</p>
    ${result.created.length
      ? html`<p><button type="button" class="primary" onClick=${() => window.print()}>${t("roster.print")}</button></p>
          <table class="data">
            <caption>${t("roster.created")}</caption>
            <thead><tr>
              <th scope="col">${t("roster.row")}</th>
              <th scope="col">${t("roster.name")}</th>
              <th scope="col">${t("roster.student_number")}</th>
              <th scope="col">${t("roster.username")}</th>
              <th scope="col">${t("roster.initial_password")}</th>
            </tr></thead>
            <tbody>
              ${result.created.map(
                (c) => html`<tr key=${c.user_id}>
                  <td>${c.row}</td><td>${c.display_name}</td><td>${c.student_number || ""}</td>
                  <td><code>${c.username}</code></td><td><code>${c.initial_password}</code></td>
                </tr>`,
              )}
            </tbody>
          </table>`
      : null}
    ${result.existing.length
      ? html`<table class="data">
          <caption>${t("roster.existing")}</caption>
          <thead><tr>
            <th scope="col">${t("roster.row")}</th>
            <th scope="col">${t("roster.name")}</th>
            <th scope="col">${t("roster.student_number")}</th>
            <th scope="col">${t("roster.username")}</th>
          </tr></thead>
          <tbody>
            ${result.existing.map(
              (c) => html`<tr key=${c.user_id}>
                <td>${c.row}</td><td>${c.display_name}</td><td>${c.student_number || ""}</td><td><code>${c.username}</code></td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : null}
    <${Slips} result=${result} />
  </div>`;
}

export function RosterPage({ user }) {
  const [units, setUnits] = useState(null);
  const [unit, setUnit] = useDraft(user.id, "roster.unit", "");
  const [csv, setCsv] = useDraft(user.id, "roster.csv", TEMPLATE);
  const [problems, setProblems] = useState([]);
  const [error, setError] = useState("");
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listAll("/admin/organizations")
      .then((found) => setUnits(found.filter((u) => !u.closed)))
      .catch((caught) => setError(caught.message));
  }, []);

  const upload = (event) => {
    const file = event.currentTarget.files[0];
    if (!file) return;
    file.text().then((text) => setCsv(text.replace(/^\uFEFF/, "")));
  };

  const submit = async (event) => {
    event.preventDefault();
    setError("");
    setProblems([]);
    setResult(null);
    setBusy(true);
    try {
      const done = await api("POST", `/admin/organizations/${unit}/roster`, { body: csv, contentType: "text/csv; charset=utf-8" });
      setResult(done);
      setCsv(TEMPLATE);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 422 && caught.errors.length) {
        setProblems(caught.errors.map(rowError));
        setError(t("roster.rows_bad"));
      } else {
        setError(caught.message);
      }
    } finally {
      setBusy(false);
    }
  };

  return html`
    <section aria-labelledby="roster-title">
      <h1 id="roster-title">${t("roster.title")}</h1>
      <form class="stack" onSubmit=${submit}>
        <label for="roster-unit">${t("roster.unit")}</label>
        <select id="roster-unit" required value=${unit} onChange=${(e) => setUnit(e.currentTarget.value)}>
          <option value="">${units === null ? t("common.loading") : t("roster.pick_unit")}</option>
          ${(units || []).map((u) => html`<option value=${String(u.id)}>${u.name} (${t(`org.${u.kind}`)})</option>`)}
        </select>
        <label for="roster-csv">${t("roster.csv")}</label>
        <p class="hint" id="roster-csv-hint">${t("roster.csv_hint")}</p>
        <textarea id="roster-csv" rows="10" required spellcheck="false" aria-describedby="roster-csv-hint"
          value=${csv} onInput=${(e) => setCsv(e.currentTarget.value)}></textarea>
        <label for="roster-file">${t("roster.file")}</label>
        <input id="roster-file" type="file" accept=".csv,text/csv" onChange=${upload} />
        <div><button type="submit" class="primary" disabled=${busy || !unit}>${busy ? t("roster.importing") : t("roster.import")}</button></div>
      </form>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      ${problems.length
        ? html`<table class="data errors">
            <caption>${t("roster.errors")}</caption>
            <thead><tr>
              <th scope="col">${t("roster.line")}</th>
              <th scope="col">${t("roster.field")}</th>
              <th scope="col">${t("roster.problem")}</th>
            </tr></thead>
            <tbody>
              ${problems.map(
                (p, i) => html`<tr key=${i}><td>${p.line}</td><td><code>${p.field}</code></td><td>${p.message}</td></tr>`,
              )}
            </tbody>
          </table>`
        : null}
      ${result ? html`<${Result} result=${result} />` : null}
    </section>
  `;
}
