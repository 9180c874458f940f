// The console's shell: sign-in when there is no session, else the navigation offered to the
// user's role and the current page.
import { html, render, useState, useEffect } from "./ui.js";
import { t, locale, setLocale, onLocaleChange } from "./i18n.js";
import { onSession, currentUser, signOut } from "./api.js";
import { clearDrafts } from "./drafts.js";
import { usePath, navigate, Link } from "./router.js";
import { pagesFor } from "./nav.js";
import { SignInPage } from "./pages/sign_in.js";

function LocaleSwitch() {
  const other = locale() === "en" ? "zh-Hans" : "en";
  return html`<button type="button" class="link-button" lang=${other} onClick=${() => setLocale(other)}>
    ${other === "en" ? "English" : "中文"}
  </button>`;
}

function Shell({ user }) {
  const path = usePath();
  const pages = pagesFor(user.role);
  const page = pages.find((p) => p.path === path.split("/")[0]);
  useEffect(() => {
    if (!page && pages.length) navigate(pages[0].path, { replace: true });
  }, [page]);
  const out = async () => {
    signingOut = true;
    clearDrafts(user.id);
    await signOut();
  };
  const Page = page ? page.component : null;
  return html`
    <header class="top">
      <span class="brand">${t("app.name")}</span>
      <nav aria-label=${t("nav.label")}>
        <ul>
          ${pages.map(
            (p) => html`<li><${Link} to=${p.path} aria-current=${p === page ? "page" : undefined}>${t(p.label)}</${Link}></li>`,
          )}
        </ul>
      </nav>
      <span class="who">${user.display_name} · ${t(`role.${user.role}`)}</span>
      <${LocaleSwitch} />
      <button type="button" onClick=${out}>${t("auth.sign_out")}</button>
    </header>
    <main id="main">${Page ? html`<${Page} user=${user} />` : null}</main>
  `;
}

function App() {
  const [user, setUser] = useState(currentUser());
  const [expired, setExpired] = useState(false);
  const [, setLang] = useState(locale());
  useEffect(() => onLocaleChange(setLang), []);
  useEffect(
    () =>
      onSession((next) => {
        // Ended without the user asking (refresh refused): say so on the sign-in page.
        setExpired(next === null && !signingOut);
        signingOut = false;
        setUser(next);
      }),
    [],
  );
  useEffect(() => {
    document.title = `${t("app.name")} · Tongxin`;
  });
  if (!user) {
    return html`<header class="top"><span class="brand">${t("app.name")}</span><span class="spacer"></span><${LocaleSwitch} /></header>
      <main id="main"><${SignInPage} expired=${expired} /></main>`;
  }
  return html`<${Shell} user=${user} />`;
}

/** Set while the user signs out, so the sign-in page does not call it an expiry. */
let signingOut = false;

document.documentElement.lang = locale();
const root = document.getElementById("app");
root.textContent = ""; // the "loading" line: render() adds to what the container holds
render(html`<${App} />`, root);
