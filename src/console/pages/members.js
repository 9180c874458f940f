// Org admin / admin: members of the caller's subtree (GET /admin/users with q and org_id),
// disable and enable (PATCH /admin/users/{id}), and a learner's password reset
// (POST /admin/users/{id}/password-reset), whose temporary password is shown once.
import { html, useState, useEffect } from "../ui.js";
import { t } from "../i18n.js";
import { api, listAll } from "../api.js";
import { useDraft } from "../drafts.js";
import { dateTime } from "../format.js";

const PAGE = 50;

/** Whether the caller may disable or enable `member` (the API has the last word). */
function mayToggle(user, member) {
  if (member.id === user.id) return false;
  return user.role === "admin" || member.role === "learner";
}

function ResetResult({ reset, onClose }) {
  return html`<div class="secret" role="alert" aria-labelledby="reset-title">
    <h2 id="reset-title">${t("members.reset_done", { name: reset.display_name })}</h2>
    <dl>
      <dt>${t("members.username")}</dt><dd><code>${reset.username}</code></dd>
      <dt>${t("members.temporary_password")}</dt><dd><code class="password">${reset.temporary_password}</code></dd>
      <dt>${t("members.expires")}</dt><dd>${dateTime(reset.expires_at)}</dd>
    </dl>
    <p>${t("members.shown_once")}</p>
    <button type="button" onClick=${onClose}>${t("common.done")}</button>
  </div>`;
}

export function MembersPage({ user }) {
  const [search, setSearch] = useDraft(user.id, "members.search", { q: "", org: "" });
  const [units, setUnits] = useState([]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState("");
  const [confirming, setConfirming] = useState(null);
  const [reset, setReset] = useState(null);

  useEffect(() => {
    listAll("/admin/organizations")
      .then(setUnits)
      .catch((caught) => setError(caught.message));
  }, []);

  const query = (cursor) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (search.q.trim()) params.set("q", search.q.trim());
    if (search.org) params.set("org_id", search.org);
    if (cursor) params.set("cursor", cursor);
    return api("GET", `/admin/users?${params}`);
  };

  const load = async (event) => {
    if (event) event.preventDefault();
    setError("");
    try {
      setPage(await query(null));
    } catch (caught) {
      setError(caught.message);
    }
  };
  useEffect(() => {
    load();
  }, []);

  const more = async () => {
    try {
      const next = await query(page.next_cursor);
      setPage({ items: [...page.items, ...next.items], next_cursor: next.next_cursor });
    } catch (caught) {
      setError(caught.message);
    }
  };

  const replace = (member) =>
    setPage((current) => ({ ...current, items: current.items.map((m) => (m.id === member.id ? member : m)) }));

  const toggle = async (member) => {
    setError("");
    try {
      replace(await api("PATCH", `/admin/users/${member.id}`, { json: { disabled: !member.disabled } }));
    } catch (caught) {
      setError(caught.message);
    }
  };

  const resetPassword = async (member) => {
    setError("");
    setConfirming(null);
    try {
      const done = await api("POST", `/admin/users/${member.id}/password-reset`, { json: {} });
      setReset(done);
      replace({ ...member, temporary_password_expires_at: done.expires_at });
    } catch (caught) {
      setError(caught.message);
    }
  };

  return html`
    <section aria-labelledby="members-title">
      <h1 id="members-title">${t("members.title")}</h1>
      <form class="filters" onSubmit=${load} role="search">
        <div>
          <label for="member-q">${t("members.search")}</label>
          <input id="member-q" type="search" value=${search.q} maxlength="100"
            onInput=${(e) => setSearch({ ...search, q: e.currentTarget.value })} />
        </div>
        <div>
          <label for="member-org">${t("members.unit")}</label>
          <select id="member-org" value=${search.org} onChange=${(e) => setSearch({ ...search, org: e.currentTarget.value })}>
            <option value="">${t("members.all_units")}</option>
            ${units.map((u) => html`<option value=${String(u.id)}>${u.name}</option>`)}
          </select>
        </div>
        <button type="submit" class="primary">${t("members.find")}</button>
      </form>
      ${reset ? html`<${ResetResult} reset=${reset} onClose=${() => setReset(null)} />` : null}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      ${page === null && !error ? html`<p role="status">${t("common.loading")}</p>` : null}
      ${page && page.items.length === 0 ? html`<p class="empty">${t("members.none")}</p>` : null}
      ${page && page.items.length
        ? html`<table class="data">
            <caption class="visually-hidden">${t("members.title")}</caption>
            <thead><tr>
              <th scope="col">${t("members.name")}</th>
              <th scope="col">${t("members.username")}</th>
              <th scope="col">${t("members.role")}</th>
              <th scope="col">${t("members.unit")}</th>
              <th scope="col">${t("members.state")}</th>
              <th scope="col">${t("members.actions")}</th>
            </tr></thead>
            <tbody>
              ${page.items.map(
                (m) => html`<tr key=${m.id}>
                  <td>${m.display_name}</td>
                  <td><code>${m.username}</code></td>
                  <td>${t(`role.${m.role}`)}</td>
                  <td>${m.organization ? m.organization.name : ""}</td>
                  <td>
                    ${m.disabled ? html`<span class="badge badge-archived">${t("members.disabled")}</span>` : t("members.active")}
                    ${m.temporary_password_expires_at
                      ? html`<br /><small>${t("members.temporary_until", { when: dateTime(m.temporary_password_expires_at) })}</small>`
                      : null}
                  </td>
                  <td class="actions">
                    ${mayToggle(user, m)
                      ? html`<button type="button" onClick=${() => toggle(m)}
                          aria-label=${t(m.disabled ? "members.enable_who" : "members.disable_who", { name: m.display_name })}>
                          ${m.disabled ? t("members.enable") : t("members.disable")}</button>`
                      : null}
                    ${m.role === "learner" && confirming !== m.id
                      ? html`<button type="button" onClick=${() => setConfirming(m.id)}
                          aria-label=${t("members.reset_who", { name: m.display_name })}>${t("members.reset")}</button>`
                      : null}
                    ${confirming === m.id
                      ? html`<span class="confirm">${t("members.reset_confirm")}
                          <button type="button" class="danger" onClick=${() => resetPassword(m)}>${t("members.reset_yes")}</button>
                          <button type="button" onClick=${() => setConfirming(null)}>${t("common.cancel")}</button></span>`
                      : null}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : null}
      ${page && page.next_cursor ? html`<button type="button" onClick=${more}>${t("common.more")}</button>` : null}
    </section>
  `;
}
