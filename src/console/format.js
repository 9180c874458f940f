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
