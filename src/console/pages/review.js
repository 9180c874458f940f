// Reviewer / admin: one queue for contents, quizzes and campaigns, oldest submission first
// (GET /admin/review-queue). Each item is approved now, approved for a date and time
// (POST /admin/{contents|quizzes|campaigns}/{id}/approve with `publish_at`, the chosen
// Asia/Shanghai local time sent as RFC 3339 UTC), or rejected with a reason
// (POST .../reject). The four-eyes rule is the API's: an item the caller may not approve
// keeps its approve buttons disabled, with the reason written beside them.
import { html, useState, useEffect } from "../ui.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { dateTime } from "../format.js";

const PAGE = 50;
const PATHS = { content: "contents", quiz: "quizzes", campaign: "campaigns" };

/**
 * A `datetime-local` value ("2026-12-08T09:30") read as Asia/Shanghai local time (UTC+8,
 * no daylight saving) and written as RFC 3339 UTC; "" when it is not a valid time.
 */
export function shanghaiToUtc(local) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local || "");
  if (!match) return "";
  const [, y, mo, d, h, mi] = match.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h - 8, mi);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function itemKey(item) {
  return `${item.kind}-${item.id}`;
}

function ReviewItem({ item, onDone, onError }) {
  const [when, setWhen] = useState("");
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const key = itemKey(item);
  const base = `/admin/${PATHS[item.kind]}/${item.id}`;
  const blocked = !item.approvable_by_caller;
  const why = blocked ? t(`review.not_approvable.${item.not_approvable_reason || "own_work"}`) : "";

  const act = async (path, body, message) => {
    onError("");
    setBusy(true);
    try {
      await api("POST", `${base}/${path}`, { json: body });
      onDone(item, message);
    } catch (caught) {
      onError(t("review.failed", { title: item.title, detail: caught.message }));
      setBusy(false);
    }
  };
  const approveNow = () => act("approve", {}, t("review.approved", { title: item.title }));
  const approveLater = (event) => {
    event.preventDefault();
    const at = shanghaiToUtc(when);
    if (!at) {
      onError(t("review.when_missing"));
      return;
    }
    act("approve", { publish_at: at }, t("review.scheduled", { title: item.title, when: dateTime(at) }));
  };
  const reject = (event) => {
    event.preventDefault();
    if (!reason.trim()) {
      onError(t("review.reason_missing"));
      return;
    }
    act("reject", { reason: reason.trim() }, t("review.rejected", { title: item.title }));
  };

  return html`<li class="review-item card" aria-labelledby=${`${key}-title`}>
    <h2 id=${`${key}-title`}>${item.title}</h2>
    <p class="meta">
      <span class="badge">${t(`review.kind.${item.kind}`)}${item.content_kind ? ` · ${t(`kind.${item.content_kind}`)}` : ""}</span>
      ${item.is_change ? html` <span class="badge badge-change">${t("review.is_change")}</span>` : null}
    </p>
    <dl class="facts">
      <dt>${t("review.submitted_at")}</dt><dd>${dateTime(item.submitted_at)}</dd>
      <dt>${t("review.submitted_by")}</dt><dd>${item.submitted_by ? item.submitted_by.display_name : t("review.nobody")}</dd>
      ${item.author ? html`<dt>${t("review.author")}</dt><dd>${item.author.display_name}</dd>` : null}
    </dl>
    ${blocked ? html`<p class="why" id=${`${key}-why`}>${why}</p>` : null}
    <div class="review-actions">
      <button type="button" class="approve" disabled=${blocked || busy} aria-describedby=${blocked ? `${key}-why` : undefined}
        onClick=${approveNow}>${t("review.approve_now")}</button>
      <form class="inline" onSubmit=${approveLater}>
        <label for=${`${key}-when`}>${t("review.when")}</label>
        <input id=${`${key}-when`} type="datetime-local" value=${when} disabled=${blocked || busy}
          onInput=${(e) => setWhen(e.currentTarget.value)} />
        <button type="submit" disabled=${blocked || busy || !when}
          aria-describedby=${blocked ? `${key}-why` : undefined}>${t("review.approve_at")}</button>
      </form>
      ${rejecting
        ? html`<form class="reject" onSubmit=${reject}>
            <label for=${`${key}-reason`}>${t("review.reason")}</label>
            <textarea id=${`${key}-reason`} rows="3" maxlength="500" required value=${reason}
              onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
            <button type="submit" class="danger" disabled=${busy}>${t("review.reject_send")}</button>
            <button type="button" onClick=${() => setRejecting(false)}>${t("common.cancel")}</button>
          </form>`
        : html`<button type="button" class="danger" disabled=${busy} onClick=${() => setRejecting(true)}>${t("review.reject")}</button>`}
    </div>
  </li>`;
}

export function ReviewPage() {
  const [page, setPage] = useState(null);
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");

  const query = (cursor) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) params.set("cursor", cursor);
    return api("GET", `/admin/review-queue?${params}`);
  };

  useEffect(() => {
    query(null)
      .then(setPage)
      .catch((caught) => setError(caught.message));
  }, []);

  const more = async () => {
    setError("");
    try {
      const next = await query(page.next_cursor);
      const seen = new Set(page.items.map(itemKey));
      setPage({ items: [...page.items, ...next.items.filter((i) => !seen.has(itemKey(i)))], next_cursor: next.next_cursor });
    } catch (caught) {
      setError(caught.message);
    }
  };

  const done = (item, message) => {
    setPage((current) => ({ ...current, items: current.items.filter((i) => itemKey(i) !== itemKey(item)) }));
    setStatus(message);
  };

  return html`
    <section aria-labelledby="review-title">
      <h1 id="review-title">${t("review.title")}</h1>
      <p class="hint">${t("review.explain")}</p>
      <p class="status" role="status">${status}</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      ${page === null && !error ? html`<p>${t("common.loading")}</p>` : null}
      ${page && page.items.length === 0 ? html`<p class="empty">${t("review.none")}</p>` : null}
      ${page && page.items.length
        ? html`<ol class="review-list" aria-label=${t("review.title")}>
            ${page.items.map((item) => html`<${ReviewItem} key=${itemKey(item)} item=${item} onDone=${done} onError=${setError} />`)}
          </ol>`
        : null}
      ${page && page.next_cursor ? html`<button type="button" onClick=${more}>${t("common.more")}</button>` : null}
    </section>
  `;
}
