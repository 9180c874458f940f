// A learner's day, played against a running server with the demo data loaded: join with
// a code, read, watch, take the daily quiz, then see the points and the rank it earned.
// Usage: TONGXIN_URL=http://127.0.0.1:8080 npm run day
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

import { type Api, type Schemas, check, connect, expectBody, expectStatus } from "./api.js";
import { StepFailed, step } from "./steps.js";

type Event = Schemas["EventInput"];
type Question = Schemas["DeliveredQuestion"];

const baseUrl = (process.env.TONGXIN_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
// Every demo account shares this password (see README.md).
const demoPassword = "Tongxin-Demo-2026";
// Videos may be credited at twice the server time that passed; waiting longer than this
// for one would make the scenario slow, so it picks the shortest demo clip.
const MAX_VIDEO_S = 60;

async function login(api: Api, username: string): Promise<Schemas["TokenPair"]> {
  const outcome = await api.POST("/api/v1/auth/login", { body: { username, password: demoPassword } });
  return expectBody(`log in as ${username}`, outcome, 200);
}

function event(kind: Event["kind"], contentId: number, positionS?: number): Event {
  const base: Event = { id: randomUUID(), kind, content_id: contentId, occurred_at: new Date().toISOString() };
  return positionS === undefined ? base : { ...base, position_s: positionS };
}

/** A plausible answer of the right shape; the learner does not know the right one. */
function guess(question: Question): Schemas["Answer"] {
  const keys = question.options.map((option) => option.key);
  switch (question.kind) {
    case "single":
      return keys[0] ?? "A";
    case "multiple":
      return keys.slice(0, 2);
    case "true_false":
      return true;
    case "fill_blank":
      return "团结";
  }
}

async function sendEvents(api: Api, events: Event[]): Promise<Schemas["IngestResult"]> {
  const result = expectBody("send events", await api.POST("/api/v1/events", { body: { events } }), 200);
  check(result.rejected.length === 0, `events refused: ${JSON.stringify(result.rejected)}`);
  return result;
}

async function day(): Promise<void> {
  const anonymous = connect(baseUrl);

  await step("server is ready", async () => {
    const status = expectBody("GET /readyz", await anonymous.GET("/readyz"), 200);
    check(status.status === "ready", `readyz says ${status.status}`);
    return { value: undefined, note: baseUrl };
  });

  const admin = await step("admin logs in", async () => {
    const pair = await login(anonymous, "admin");
    check(pair.user.role === "admin", `admin has role ${pair.user.role}`);
    check(pair.token_type === "Bearer", `token_type is ${pair.token_type}`);
    return { value: connect(baseUrl, pair.access_token), note: `role ${pair.user.role}` };
  });

  const org = await step("admin reads a join code", async () => {
    const outcome = await admin.GET("/api/v1/admin/organizations", { params: { query: { limit: 100 } } });
    const page = expectBody("list organizations", outcome, 200);
    const org = page.items.find((o) => o.kind === "community") ?? page.items.find((o) => o.parent_id !== null);
    check(org !== undefined, `no organization to join among ${page.items.length}`);
    check(org.join_code.length > 0, `${org.name} has an empty join code`);
    return { value: org, note: `${org.name} (${org.kind} ${org.id}): ${org.join_code}` };
  });

  const username = `day_${Date.now().toString(36)}_${randomUUID().slice(0, 4)}`;
  const learnerPair = await step("learner registers with it", async () => {
    const outcome = await anonymous.POST("/api/v1/auth/register", {
      body: {
        username,
        password: "Tongxin-Day-2026",
        display_name: "同心学员",
        audience: "public",
        org_code: org.join_code,
        birth_year: new Date().getFullYear() - 30,
      },
    });
    const pair = expectBody("register", outcome, 201);
    check(pair.user.username === username, `registered as ${pair.user.username}, not ${username}`);
    check(pair.user.role === "learner", `new account has role ${pair.user.role}`);
    check(pair.user.organization?.id === org.id, `joined ${pair.user.organization?.name ?? "nothing"}`);
    return { value: pair, note: `${username} (user ${pair.user.id}) in ${pair.user.organization.name}` };
  });
  const me = learnerPair.user;
  const learner = connect(baseUrl, learnerPair.access_token);

  const article = await step("learner reads the feed", async () => {
    const feed = expectBody("feed", await learner.GET("/api/v1/contents", { params: { query: { limit: 20 } } }), 200);
    check(feed.items.length > 0, "the feed is empty");
    check(
      feed.items.every((item) => item.me !== null),
      "an item lacks the caller's `me` block although a token was sent",
    );
    const article = feed.items.find((item) => item.kind === "article");
    check(article !== undefined, "no article on the first page of the feed");
    return { value: article, note: `${feed.items.length} items, first: ${feed.items[0]?.title ?? ""}` };
  });

  await step("learner opens an article", async () => {
    const outcome = await learner.GET("/api/v1/contents/{id}", { params: { path: { id: article.id } } });
    const detail = expectBody(`GET /contents/${article.id}`, outcome, 200);
    check(detail.id === article.id && detail.kind === "article", `got ${detail.kind} ${detail.id}`);
    check((detail.body_html ?? "").length > 0, "the article has no body_html");
    check(detail.video === null, "an article came with a video");
    return { value: undefined, note: `${detail.title} (${detail.body_html?.length ?? 0} chars of HTML)` };
  });

  const video = await step("learner starts a video", async () => {
    const query = { kind: "video", limit: 100 } as const;
    const page = expectBody("video feed", await learner.GET("/api/v1/contents", { params: { query } }), 200);
    const shortest = page.items
      .filter((item) => item.kind === "video" && item.duration_s !== null && item.duration_s > 0)
      .sort((a, b) => (a.duration_s ?? 0) - (b.duration_s ?? 0))[0];
    check(shortest !== undefined, "no video with a duration in the feed");
    const outcome = await learner.GET("/api/v1/contents/{id}", { params: { path: { id: shortest.id } } });
    const detail = expectBody(`GET /contents/${shortest.id}`, outcome, 200);
    check(detail.video !== null && detail.video.url.length > 0, "the video has no file to play");
    const durationS = detail.video.duration_s ?? detail.duration_s ?? 0;
    check(durationS > 0 && durationS <= MAX_VIDEO_S, `video ${detail.id} lasts ${durationS} s`);
    const view = event("view", detail.id);
    const result = await sendEvents(learner, [event("view", article.id), view, event("progress", detail.id, 0)]);
    check(result.accepted === 3 && result.duplicates === 0, `batch counted as ${JSON.stringify(result)}`);
    return { value: { id: detail.id, durationS, view }, note: `${detail.title}, ${durationS} s, ${detail.video.mime}` };
  });

  await step("learner watches it to the end", async () => {
    // The server credits at most twice the time that passed between two reports.
    await sleep((Math.ceil(video.durationS / 2) + 1) * 1000);
    const half = Math.floor(video.durationS / 2);
    const batch = [
      event("progress", video.id, half),
      event("progress", video.id, video.durationS),
      event("complete", video.id),
      video.view, // resent, as an app does after a lost response: counted once
    ];
    const result = await sendEvents(learner, batch);
    check(result.accepted === 3 && result.duplicates === 1, `batch counted as ${JSON.stringify(result)}`);
    const query = { content_ids: String(video.id) };
    const progress = expectBody("progress", await learner.GET("/api/v1/me/progress", { params: { query } }), 200);
    const row = progress.items.find((p) => p.content_id === video.id);
    check(row !== undefined, `no progress for video ${video.id}`);
    check(row.completed && row.percent === 100, `video at ${row.percent} %, completed: ${row.completed}`);
    check(row.position_s === video.durationS, `resume position ${row.position_s}, not ${video.durationS}`);
    return { value: undefined, note: `completed, ${row.effective_s} s credited, duplicate ignored` };
  });

  const attempt = await step("learner takes the daily quiz", async () => {
    const daily = expectBody("daily quiz", await learner.GET("/api/v1/quizzes/daily"), 200);
    check(daily.questions.length > 0, "the daily quiz has no questions");
    check(daily.attempt === null, "a new learner already has today's attempt");
    const quizId = daily.quiz.id;
    const started = await learner.POST("/api/v1/quizzes/{id}/attempts", { params: { path: { id: quizId } } });
    const attempt = expectBody(`start quiz ${quizId}`, started, 201);
    const ids = (questions: Question[]) => questions.map((q) => q.id).sort((a, b) => a - b).join(",");
    check(ids(attempt.questions) === ids(daily.questions), "the attempt's questions are not today's set");
    check(attempt.status === "in_progress" && attempt.score === null, `new attempt is ${attempt.status}`);
    for (const question of attempt.questions) {
      const saved = await learner.PUT("/api/v1/attempts/{id}/answers/{question_id}", {
        params: { path: { id: attempt.id, question_id: question.id } },
        body: { response: guess(question) },
      });
      expectStatus(`answer question ${question.id}`, saved, 204);
    }
    const outcome = await learner.POST("/api/v1/attempts/{id}/submit", {
      params: { path: { id: attempt.id } },
      body: {},
    });
    const scored = expectBody(`submit attempt ${attempt.id}`, outcome, 200);
    check(scored.status === "submitted" && scored.submitted_at !== null, `submitted attempt is ${scored.status}`);
    check(scored.max_score === attempt.questions.length, `max_score ${scored.max_score}`);
    const score = scored.score ?? -1;
    check(score >= 0 && score <= scored.max_score, `score ${String(scored.score)} of ${scored.max_score}`);
    check(scored.responses.length === attempt.questions.length, `${scored.responses.length} responses kept`);
    if (daily.quiz.review === "after_submit") {
      const results = scored.results ?? [];
      check(results.length === attempt.questions.length, `${results.length} results after submit`);
      const correct = results.filter((r) => r.correct).length;
      check(correct === score, `${correct} correct results but score ${score}`);
    }
    return { value: { id: attempt.id, score }, note: `${daily.quiz.title}: ${score}/${scored.max_score}` };
  });

  const points = await step("learner checks points", async () => {
    const query = { limit: 100 };
    const points = expectBody("points", await learner.GET("/api/v1/me/points", { params: { query } }), 200);
    check(points.next_cursor === null, "a new learner's ledger spans more than one page");
    const sum = points.items.reduce((total, entry) => total + entry.points, 0);
    check(sum === points.total, `ledger adds up to ${sum}, total says ${points.total}`);
    const earned = (action: Schemas["Action"], source?: string) =>
      points.items.filter((e) => e.action === action && (source === undefined || e.source === source));
    check(earned("login").length === 1, "no points for the day's first activity");
    check(earned("video_watched", `content:${video.id}`).length === 1, "no points for the watched video");
    const quizPoints = earned("daily_quiz", `attempt:${attempt.id}`).reduce((t, e) => t + e.points, 0);
    check((quizPoints > 0) === (attempt.score > 0), `${quizPoints} quiz points for a score of ${attempt.score}`);
    const actions = [...new Set(points.items.map((e) => e.action))].join(", ");
    return { value: points.total, note: `${points.total} points (${actions})` };
  });

  await step("learner checks stats", async () => {
    const stats = expectBody("stats", await learner.GET("/api/v1/me/stats"), 200);
    check(stats.total_points === points, `stats say ${stats.total_points} points, /me/points ${points}`);
    check(stats.videos_completed === 1, `${stats.videos_completed} videos completed`);
    check(stats.quizzes_taken === 1, `${stats.quizzes_taken} quizzes taken`);
    check(stats.streak_days === 1, `a streak of ${stats.streak_days} days on the first day`);
    check(stats.study_seconds_today > 0, "no study time today");
    return { value: undefined, note: `streak ${stats.streak_days}, ${stats.study_seconds_today} s studied today` };
  });

  await step("learner finds their rank", async () => {
    const board = async (scope: string, period: "today" | "all") => {
      const query = { scope, period, limit: 100 };
      const outcome = await learner.GET("/api/v1/leaderboards/users", { params: { query } });
      const result = expectBody(`leaderboard ${scope} ${period}`, outcome, 200);
      check(result.me !== null && result.me.rank !== null, `not ranked on the ${scope} ${period} board`);
      check(result.me.points === points, `${result.me.points} points on the ${scope} board, not ${points}`);
      const listed = result.items.find((row) => row.user.id === me.id);
      const rank = result.me.rank;
      check(rank > result.items.length || listed?.rank === rank, `listed at ${listed?.rank}, me says ${rank}`);
      return rank;
    };
    const today = await board("global", "today");
    const inOrg = await board(`org:${org.id}`, "all");
    return { value: undefined, note: `#${today} today, #${inOrg} in ${org.name} overall` };
  });
}

try {
  await day();
  console.log("a learner's day: all steps passed");
} catch (error) {
  if (!(error instanceof StepFailed)) console.error(error);
  process.exitCode = 1;
}
