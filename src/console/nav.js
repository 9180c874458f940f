// The pages, and which roles may use each: a page is offered only to roles whose calls the
// API allows (the API decides in the end; this only keeps useless pages out of sight).
import { ContentsPage } from "./pages/contents.js";
import { MembersPage } from "./pages/members.js";
import { RosterPage } from "./pages/roster.js";
import { ProgressPage } from "./pages/progress.js";
import { ReviewPage } from "./pages/review.js";

export const PAGES = [
  { path: "contents", label: "nav.contents", roles: ["editor", "reviewer", "admin"], component: ContentsPage },
  { path: "review", label: "nav.review", roles: ["reviewer", "admin"], component: ReviewPage },
  { path: "members", label: "nav.members", roles: ["org_admin", "admin"], component: MembersPage },
  { path: "progress", label: "nav.progress", roles: ["org_admin", "admin"], component: ProgressPage },
  { path: "roster", label: "nav.roster", roles: ["org_admin", "admin"], component: RosterPage },
];

export function pagesFor(role) {
  return PAGES.filter((page) => page.roles.includes(role));
}
