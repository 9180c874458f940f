// Sign in; a temporary password (a roster's initial password or a reset) must be replaced
// first; learners are told politely that the console is for staff.
import { html, useState } from "../ui.js";
import { t } from "../i18n.js";
import { signIn, replacePassword, NotStaffError, ApiError } from "../auth.js";

function message(error) {
  if (error instanceof NotStaffError) return t("auth.not_staff");
  if (error instanceof ApiError) {
    const known = {
      invalid_credentials: "auth.invalid_credentials",
      account_disabled: "auth.account_disabled",
      temporary_password_expired: "auth.temporary_password_expired",
      rate_limited: "auth.rate_limited",
      validation_failed: "auth.new_password_invalid",
    }[error.code];
    if (known) return t(known);
    if (error.status === 401) return t("auth.invalid_credentials");
    return `${t("error.generic")} (${error.detail || error.code || error.status})`;
  }
  return t("error.network");
}

export function SignInPage({ expired }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mustChange, setMustChange] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    setError("");
    if (mustChange && newPassword !== confirm) {
      setError(t("auth.passwords_differ"));
      return;
    }
    setBusy(true);
    try {
      if (mustChange) await replacePassword(username, password, newPassword);
      else await signIn(username, password);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "password_change_required") {
        setMustChange(true);
      } else if (caught instanceof NotStaffError && mustChange) {
        // The new password is saved: back to the plain form, with that said.
        setMustChange(false);
        setPassword("");
        setNewPassword("");
        setConfirm("");
        setError(t("auth.not_staff_changed"));
      } else {
        setError(message(caught));
      }
    } finally {
      setBusy(false);
    }
  };

  return html`
    <section class="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">${mustChange ? t("auth.change_title") : t("auth.title")}</h1>
      ${expired && !mustChange ? html`<p class="notice" role="status">${t("auth.expired")}</p>` : null}
      ${mustChange ? html`<p class="notice" role="status">${t("auth.change_explain")}</p>` : null}
      <form onSubmit=${submit}>
        <label for="username">${t("auth.username")}</label>
        <input id="username" name="username" autocomplete="username" required value=${username}
          readonly=${mustChange} onInput=${(e) => setUsername(e.currentTarget.value)} />
        <label for="password">${mustChange ? t("auth.temporary_password") : t("auth.password")}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required
          value=${password} readonly=${mustChange} onInput=${(e) => setPassword(e.currentTarget.value)} />
        ${mustChange
          ? html`
              <label for="new-password">${t("auth.new_password")}</label>
              <input id="new-password" type="password" autocomplete="new-password" required minlength="8"
                value=${newPassword} onInput=${(e) => setNewPassword(e.currentTarget.value)} />
              <label for="confirm-password">${t("auth.confirm_password")}</label>
              <input id="confirm-password" type="password" autocomplete="new-password" required minlength="8"
                value=${confirm} onInput=${(e) => setConfirm(e.currentTarget.value)} />
            `
          : null}
        ${error ? html`<p class="error" role="alert">${error}</p>` : null}
        <button type="submit" class="primary" disabled=${busy}>
          ${mustChange ? t("auth.change_submit") : t("auth.submit")}
        </button>
      </form>
      <p class="hint">${t("auth.memory_note")}</p>
    </section>
  `;
}
