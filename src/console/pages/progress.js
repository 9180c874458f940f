// Org admin: the teacher's view, one row per learner of a unit and the units below it
// (GET /admin/organizations/{id}/members/progress): sortable by any column (the server
// sorts), "did nothing this week" (inactive=true from Monday), CSV download (the same
// query with Accept: text/csv, saved through a Blob link).
import { html, useState, useEffect } from "../ui.js";
import { t } from "../i18n.js";
import { api, listAll } from "../api.js";
import { useDraft } from "../drafts.js";
import { today, mondayOf, duration, day } from "../format.js";

const COLUMNS = [
  ["display_name", (r) => r.display_name],
  ["username", (r) => html`<code>${r.username}</code>`],
  ["study_seconds", (r) => duration(r.study_seconds)],
  ["articles_completed", (r) => r.articles_completed],
  ["videos_completed", (r) => r.videos_completed],
  ["quizzes_taken", (r) => r.quizzes_taken],
  ["average_score", (r) => (r.average_score === null ? "" : r.average_score.toFixed(1))],
  ["points", (r) => r.points],
  ["streak", (r) => r.streak],
  ["last_active_day", (r) => day(r.last_active_day) || t("progress.never")],
];
const NUMERIC = new Set(COLUMNS.map(([key]) => key).filter((key) => !["display_name", "username", "last_active_day"].includes(key)));

export function ProgressPage({ user }) {
  const [units, setUnits] = useState(null);
  const [form, setForm] = useDraft(user.id, "progress.filters", { unit: "", from: "", to: "", inactive: "" });
  const [sort, setSort] = useState({ key: "display_name", order: "asc" });
  const [page, setPage] = useState(null);
  const [error, setError] = useState("");

  useEffect(() => {
    listAll("/admin/organizations")
      .then((found) => {
        setUnits(found);
        if (!form.unit && found.length) setForm({ ...form, unit: String(found[0].id) });
      })
      .catch((caught) => setError(caught.message));
  }, []);

  const params = (cursor) => {
    const query = new URLSearchParams({ sort: sort.key, order: sort.order, limit: "100" });
    if (form.from) query.set("from", form.from);
    if (form.to) query.set("to", form.to);
    if (form.inactive) query.set("inactive", form.inactive);
    if (cursor) query.set("cursor", cursor);
    return query;
  };
  const path = (query) => `/admin/organizations/${form.unit}/members/progress?${query}`;

  const load = async () => {
    if (!form.unit) return;
    setError("");
    try {
      setPage(await api("GET", path(params(null))));
    } catch (caught) {
      setPage(null);
      setError(caught.message);
    }
  };
  useEffect(() => {
    load();
  }, [form.unit, form.from, form.to, form.inactive, sort.key, sort.order]);

  const more = async () => {
    try {
      const next = await api("GET", path(params(page.next_cursor)));
      setPage({ ...next, items: [...page.items, ...next.items] });
    } catch (caught) {
      setError(caught.message);
    }
  };

  const download = async () => {
    setError("");
    try {
      const blob = await api("GET", path(params(null)), { accept: "text/csv" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `progress-${form.unit}-${page ? `${page.from}-${page.to}` : today()}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (caught) {
      setError(caught.message);
    }
  };

  const thisWeek = () => setForm({ ...form, from: mondayOf(today()), to: today(), inactive: "true" });
  const sortBy = (key) =>
    setSort(sort.key === key ? { key, order: sort.order === "asc" ? "desc" : "asc" } : { key, order: NUMERIC.has(key) ? "desc" : "asc" });
  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });

  return html`
    <section aria-labelledby="progress-title">
      <h1 id="progress-title">${t("progress.title")}</h1>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <div>
          <label for="progress-unit">${t("progress.unit")}</label>
          <select id="progress-unit" value=${form.unit} onChange=${field("unit")}>
            ${units === null ? html`<option value="">${t("common.loading")}</option>` : null}
            ${(units || []).map((u) => html`<option value=${String(u.id)}>${u.name}</option>`)}
          </select>
        </div>
        <div>
          <label for="progress-from">${t("progress.from")}</label>
          <input id="progress-from" type="date" value=${form.from} max=${form.to || undefined} onChange=${field("from")} />
        </div>
        <div>
          <label for="progress-to">${t("progress.to")}</label>
          <input id="progress-to" type="date" value=${form.to} min=${form.from || undefined} onChange=${field("to")} />
        </div>
        <div>
          <label for="progress-inactive">${t("progress.who")}</label>
          <select id="progress-inactive" value=${form.inactive} onChange=${field("inactive")}>
            <option value="">${t("progress.everyone")}</option>
            <option value="true">${t("progress.inactive")}</option>
            <option value="false">${t("progress.active")}</option>
          </select>
        </div>
      </form>
      <p class="toolbar">
        <button type="button" onClick=${thisWeek}>${t("progress.this_week")}</button>
        <button type="button" onClick=${download} disabled=${!form.unit}>${t("progress.csv")}</button>
      </p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      ${page
        ? html`<p role="status">${t("progress.summary", { unit: page.org.name, from: day(page.from), to: day(page.to), count: page.items.length })}</p>`
        : null}
      ${page && page.items.length === 0 ? html`<p class="empty">${t("progress.none")}</p>` : null}
      ${page && page.items.length
        ? html`<table class="data numeric">
            <caption class="visually-hidden">${t("progress.title")}</caption>
            <thead><tr>
              ${COLUMNS.map(
                ([key]) => html`<th scope="col" aria-sort=${sort.key === key ? (sort.order === "asc" ? "ascending" : "descending") : undefined}>
                  <button type="button" class="sort" onClick=${() => sortBy(key)}>
                    ${t(`progress.col.${key}`)}${sort.key === key ? (sort.order === "asc" ? " ▲" : " ▼") : ""}
                  </button>
                </th>`,
              )}
            </tr></thead>
            <tbody>
              ${page.items.map(
                (row) => html`<tr key=${row.user_id}>${COLUMNS.map(([key, cell]) => html`<td class=${NUMERIC.has(key) ? "num" : ""}>${cell(row)}</td>`)}</tr>`,
              )}
            </tbody>
          </table>`
        : null}
      ${page && page.next_cursor ? html`<button type="button" onClick=${more}>${t("common.more")}</button>` : null}
    </section>
  `;
}
