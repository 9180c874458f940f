// Dates and times as staff read them: in the county's time zone, whatever the browser's.
// The API does not expose TONGXIN_TIMEZONE yet; the console assumes its default.
import { locale } from "./i18n.js";

export const TIME_ZONE = "Asia/Shanghai";

const formats = new Map();

/** "2026年12月7日 08:30" / "Dec 7, 2026, 8:30 AM" for an RFC 3339 instant; "" for none. */
export function dateTime(iso) {
  if (!iso) return "";
  const key = locale();
  if (!formats.has(key)) {
    formats.set(key, new Intl.DateTimeFormat(key, { timeZone: TIME_ZONE, dateStyle: "medium", timeStyle: "short" }));
  }
  return formats.get(key).format(new Date(iso));
}

/** Today's date (`YYYY-MM-DD`) in the county's time zone. */
export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(),
  );
}

/** The Monday (`YYYY-MM-DD`) of the week of `day`. */
export function mondayOf(day) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

/** "1:05:30" / "12:07" for a number of seconds. */
export function duration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A local day (`YYYY-MM-DD`) as staff read it. */
export function day(value) {
  if (!value) return "";
  return new Intl.DateTimeFormat(locale(), { timeZone: "UTC", dateStyle: "medium" }).format(new Date(`${value}T00:00:00Z`));
}
