// Editor: my items by status (draft, rejected with the reviewer's reason, in review,
// scheduled, published, archived), from GET /admin/contents?author_id=<me>.
import { html, useState, useEffect, useMemo } from "../ui.js";
import { t } from "../i18n.js";
import { listAll } from "../api.js";
import { dateTime } from "../format.js";

export const BUCKETS = ["draft", "rejected", "in_review", "scheduled", "published", "archived"];

/** Where an item stands for its author; "rejected" and "scheduled" are read from the fields. */
export function bucket(item, now = Date.now()) {
  if (item.status === "draft") return item.reject_reason ? "rejected" : "draft";
  if (item.status === "published" && item.publish_at && Date.parse(item.publish_at) > now) return "scheduled";
  return item.status;
}

function pendingChange(item) {
  if (!item.revision) return "";
  return item.revision.status === "in_review" ? t("contents.change_in_review") : t("contents.change_draft");
}

export function ContentsPage({ user }) {
  const [mine, setMine] = useState(true);
  const [items, setItems] = useState(null);
  const [error, setError] = useState("");
  const [shown, setShown] = useState("all");

  useEffect(() => {
    let live = true;
    setItems(null);
    setError("");
    listAll(`/admin/contents${mine ? `?author_id=${user.id}` : ""}`)
      .then((found) => live && setItems(found))
      .catch((caught) => live && setError(caught.message));
    return () => {
      live = false;
    };
  }, [mine, user.id]);

  const counts = useMemo(() => {
    const result = Object.fromEntries(BUCKETS.map((b) => [b, 0]));
    (items || []).forEach((item) => (result[bucket(item)] += 1));
    return result;
  }, [items]);
  const visible = (items || []).filter((item) => shown === "all" || bucket(item) === shown);

  return html`
    <section aria-labelledby="contents-title">
      <h1 id="contents-title">${mine ? t("contents.title_mine") : t("contents.title_all")}</h1>
      ${user.role !== "editor"
        ? html`<p><label><input type="checkbox" checked=${mine} onChange=${(e) => setMine(e.currentTarget.checked)} />
            ${" "}${t("contents.only_mine")}</label></p>`
        : null}
      <div class="tabs" role="group" aria-label=${t("contents.by_status")}>
        <button type="button" aria-pressed=${shown === "all"} onClick=${() => setShown("all")}>
          ${t("contents.all")} <span class="count">${(items || []).length}</span>
        </button>
        ${BUCKETS.map(
          (b) => html`<button type="button" aria-pressed=${shown === b} onClick=${() => setShown(b)}>
            ${t(`status.${b}`)} <span class="count">${counts[b]}</span>
          </button>`,
        )}
      </div>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      ${items === null && !error ? html`<p role="status">${t("common.loading")}</p>` : null}
      ${items && visible.length === 0 ? html`<p class="empty">${t("contents.none")}</p>` : null}
      ${visible.length
        ? html`<table class="data">
            <caption class="visually-hidden">${t("contents.by_status")}</caption>
            <thead><tr>
              <th scope="col">${t("contents.item")}</th>
              <th scope="col">${t("contents.kind")}</th>
              <th scope="col">${t("contents.topic")}</th>
              <th scope="col">${t("contents.status")}</th>
              <th scope="col">${t("contents.updated")}</th>
              <th scope="col">${t("contents.publish_at")}</th>
              <th scope="col">${t("contents.reason")}</th>
            </tr></thead>
            <tbody>
              ${visible.map((item) => {
                const b = bucket(item);
                return html`<tr key=${item.id}>
                  <td>${item.title}</td>
                  <td>${t(`kind.${item.kind}`)}</td>
                  <td>${item.topic.name}</td>
                  <td><span class=${`badge badge-${b}`}>${t(`status.${b}`)}</span>
                    ${pendingChange(item) ? html`<br /><small>${pendingChange(item)}</small>` : null}</td>
                  <td>${dateTime(item.updated_at)}</td>
                  <td>${dateTime(item.publish_at)}</td>
                  <td class="reason">${item.reject_reason || ""}</td>
                </tr>`;
              })}
            </tbody>
          </table>`
        : null}
    </section>
  `;
}

