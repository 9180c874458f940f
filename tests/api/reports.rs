//! Supervision reports: participation per child organization with a total that equals the
//! learners' own ledgers and progress, CSV that spreadsheet software and Python read with
//! Chinese names intact, a daily series with zero days, per-content figures, validated
//! ranges and subtree scope.

use chrono::Duration;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tongxin::db::schema::points_ledger;

use crate::helpers::*;

/// The known data set: a county with two townships (东乡镇, a demonstration site, with a
/// school under it; 西乡镇), five learners joined by join code, one article read by four
/// of them, a contest quiz taken by two.
struct County {
    admin: Session,
    county: i64,
    east: i64,
    school: i64,
    west: i64,
    learners: Vec<Session>,
    article: i64,
}

async fn org_code(app: &TestApp, admin: &Session, id: i64) -> String {
    get_ok(app, &format!("/admin/organizations/{id}"), admin).await["join_code"].as_str().unwrap().to_owned()
}

async fn patch_org(app: &TestApp, admin: &Session, id: i64, body: Value) {
    let res = app.patch_json(&format!("/admin/organizations/{id}"), Some(&admin.access), &body).await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn county(app: &TestApp) -> County {
    let room = app.newsroom().await;
    let admin = room.admin.clone();
    let county = app.create_org(&admin, "团结县", "county", None).await["id"].as_i64().unwrap();
    let east = app.create_org(&admin, "东乡镇", "township", Some(county)).await["id"].as_i64().unwrap();
    let school = app.create_org(&admin, "东乡民族团结中学", "school", Some(east)).await["id"].as_i64().unwrap();
    let west = app.create_org(&admin, "西乡镇", "township", Some(county)).await["id"].as_i64().unwrap();
    patch_org(app, &admin, east, json!({"demonstration_site": true})).await;
    // (username, organization): one learner sits on the county node itself; 西乡 has one
    // learner who registered (registering counts as that day's activity) the day before
    // and did nothing since. Reports below cover the second day.
    let idle = app.register_with("idle_west", json!({"org_code": org_code(app, &admin, west).await})).await;
    app.clock.advance(Duration::days(1));
    let admin = app.login_ok(&admin.username).await;
    let places = [("li_school", school), ("ma_east", east), ("han_west", west), ("ye_county", county)];
    let mut learners = Vec::new();
    for (name, org) in places {
        let code = org_code(app, &admin, org).await;
        learners.push(app.register_with(name, json!({"org_code": code})).await);
    }
    learners.push(idle);
    let room = Newsroom {
        admin: admin.clone(),
        editor: app.login_ok(&room.editor.username).await,
        reviewer: app.login_ok(&room.reviewer.username).await,
        topic: room.topic,
    };
    let article = app.published_article(&room, "民族团结一家亲", &"团结".repeat(300)).await;

    // Four learners read the article: view, 100 s later progress and complete.
    let readers = &learners[..4];
    for who in readers {
        send_events(
            app,
            who,
            &[event_at("view", article, None, now(app)), event_at("progress", article, Some(0), now(app))],
        )
        .await;
    }
    app.clock.advance(Duration::seconds(100));
    for who in readers {
        send_events(
            app,
            who,
            &[event_at("progress", article, Some(100), now(app)), event_at("complete", article, None, now(app))],
        )
        .await;
    }
    send_events(app, &learners[0], &[event_at("share", article, None, now(app))]).await;

    // A contest quiz of two questions: li answers both right, han one of two.
    let question = |stem: &str, answer: &str| json!({"kind": "single", "stem": stem, "topic": room.topic["slug"], "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}], "answer": answer, "explanation": "解析"});
    let mut ids = Vec::new();
    for (stem, answer) in [("第一题", "A"), ("第二题", "B")] {
        let (status, q) =
            json_body(app.post_json("/admin/questions", Some(&room.editor.access), &question(stem, answer)).await)
                .await;
        assert_eq!(status, StatusCode::CREATED, "{q}");
        ids.push(q["id"].as_i64().unwrap());
    }
    let settings = json!({"title": "知识竞赛", "mode": "contest", "question_ids": ids, "points_per_correct": 2});
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &settings).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let quiz = quiz["id"].as_i64().unwrap();
    app.post_json(&format!("/admin/quizzes/{quiz}/submit"), Some(&room.editor.access), &json!({})).await;
    let res = app.post_json(&format!("/admin/quizzes/{quiz}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    for (who, answers) in [(&learners[0], ["A", "B"]), (&learners[2], ["A", "A"])] {
        let (status, attempt) =
            json_body(app.post_json(&format!("/quizzes/{quiz}/attempts"), Some(&who.access), &json!({})).await).await;
        assert_eq!(status, StatusCode::CREATED, "{attempt}");
        let attempt = attempt["id"].as_i64().unwrap();
        let answers: Vec<Value> =
            ids.iter().zip(answers).map(|(q, a)| json!({"question_id": q, "response": a})).collect();
        let (status, result) = json_body(
            app.post_json(&format!("/attempts/{attempt}/submit"), Some(&who.access), &json!({"answers": answers}))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{result}");
    }
    County { admin, county, east, school, west, learners, article }
}

fn row_for(report: &Value, org: i64) -> Value {
    report["rows"].as_array().unwrap().iter().find(|r| r["org"]["id"] == org).cloned().unwrap_or(Value::Null)
}

fn row_ids(report: &Value) -> Vec<i64> {
    report["rows"].as_array().unwrap().iter().map(|r| r["org"]["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn the_total_row_equals_the_learners_own_ledgers_and_progress() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let report =
        get_ok(&app, &format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county), &c.admin).await;

    // What the learners themselves see: ledger totals and progress statistics.
    let (mut points, mut study, mut articles, mut videos, mut quizzes) = (0, 0, 0, 0, 0);
    // The idle learner cannot be asked without logging in, which would be activity: their
    // ledger for the day is read from the database instead.
    let idle = c.learners[4].id;
    let idle_points: Vec<i32> = points_ledger::table
        .filter(points_ledger::user_id.eq(idle))
        .filter(points_ledger::local_date.eq(day.to_string()))
        .select(points_ledger::points)
        .load(&mut app.db())
        .unwrap();
    assert!(idle_points.is_empty(), "{idle_points:?}");
    for who in &c.learners[..4] {
        let mine = get_ok(&app, "/me/points?limit=100", who).await;
        assert_eq!(mine["next_cursor"], Value::Null, "one page holds the whole ledger");
        let entries = mine["items"].as_array().unwrap();
        points +=
            entries.iter().filter(|e| e["date"] == day.to_string()).map(|e| e["points"].as_i64().unwrap()).sum::<i64>();
        let stats = get_ok(&app, "/me/stats", who).await;
        study += stats["study_seconds_total"].as_i64().unwrap();
        articles += stats["articles_completed"].as_i64().unwrap();
        videos += stats["videos_completed"].as_i64().unwrap();
        quizzes += stats["quizzes_taken"].as_i64().unwrap();
    }
    let total = &report["total"];
    assert!(points > 0 && study > 0, "the data set has activity: {points} points, {study} s");
    assert_eq!(total["points"].as_i64(), Some(points), "{report}");
    assert_eq!(total["study_seconds"].as_i64(), Some(study));
    assert_eq!(total["articles_completed"].as_i64(), Some(articles));
    assert_eq!(total["videos_completed"].as_i64(), Some(videos));
    assert_eq!(total["quizzes_taken"].as_i64(), Some(quizzes));
    assert_eq!((articles, quizzes), (4, 2));
    assert_eq!(total["org"]["id"], c.county);
    assert_eq!((total["members"].as_i64(), total["active_members"].as_i64()), (Some(5), Some(4)));
    assert_eq!(total["participation_rate"].as_f64(), Some(0.8));
    assert_eq!(total["average_quiz_score"].as_f64(), Some(75.0), "3 of 4 questions right");
    assert_eq!(total["points_per_member"].as_f64(), Some(((points as f64 / 5.0) * 100.0).round() / 100.0));

    // One row per child; the learner on the county node counts only in the total.
    assert_eq!(row_ids(&report), [c.east, c.west]);
    let east = row_for(&report, c.east);
    assert_eq!(east["org"], json!({"id": c.east, "name": "东乡镇", "kind": "township", "demonstration_site": true}));
    assert_eq!((east["members"].as_i64(), east["active_members"].as_i64()), (Some(2), Some(2)));
    assert_eq!((east["articles_completed"].as_i64(), east["quizzes_taken"].as_i64()), (Some(2), Some(1)));
    assert_eq!(east["average_quiz_score"].as_f64(), Some(100.0));
    let west = row_for(&report, c.west);
    assert_eq!((west["members"].as_i64(), west["active_members"].as_i64()), (Some(2), Some(1)));
    assert_eq!((west["participation_rate"].as_f64(), west["average_quiz_score"].as_f64()), (Some(0.5), Some(50.0)));
    let ye_points = get_ok(&app, "/me/stats", &c.learners[3]).await["total_points"].as_i64().unwrap();
    assert_eq!(
        east["points"].as_i64().unwrap() + west["points"].as_i64().unwrap() + ye_points,
        points,
        "children plus the county's own learner make the total"
    );

    // Two days before: no member existed yet, nothing happened.
    let before = day - chrono::Days::new(2);
    let empty =
        get_ok(&app, &format!("/admin/reports/participation?org_id={}&from={before}&to={before}", c.county), &c.admin)
            .await;
    assert_eq!(empty["total"]["members"], 0);
    assert_eq!(empty["total"]["points"], 0);
    assert_eq!(empty["total"]["average_quiz_score"], Value::Null);
    assert_eq!(empty["total"]["participation_rate"].as_f64(), Some(0.0));
}

#[tokio::test]
async fn past_activity_stays_with_the_unit_where_it_happened_when_a_learner_moves() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let path = format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county);
    let before = get_ok(&app, &path, &c.admin).await;
    // ma moves from 东乡镇 to 西乡镇.
    let res = app
        .patch_json(
            &format!("/admin/users/{}", c.learners[1].id),
            Some(&c.admin.access),
            &json!({"organization_id": c.west}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after = get_ok(&app, &path, &c.admin).await;
    for org in [c.east, c.west] {
        for column in ["points", "study_seconds", "articles_completed", "quizzes_taken"] {
            assert_eq!(row_for(&after, org)[column], row_for(&before, org)[column], "{column} of {org}");
        }
    }
    assert_eq!(row_for(&after, c.east)["members"], 1, "members are counted where they are now");
    assert_eq!(row_for(&after, c.west)["members"], 3);
    // Active members are members who were active in the unit: ma is no longer one of
    // 东乡's, and was not active in 西乡. Before this rule 东乡 read 2 active of 1 member.
    assert_eq!(row_for(&after, c.east)["active_members"], 1);
    assert_eq!(row_for(&after, c.east)["participation_rate"].as_f64(), Some(1.0));
    assert_eq!(row_for(&after, c.west)["active_members"], 1);
    assert_eq!(after["total"], before["total"], "inside the county nothing changed");
}

#[tokio::test]
async fn the_csv_export_reads_in_python_with_bom_header_and_chinese_names() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let path = format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county);
    let json_report = get_ok(&app, &path, &c.admin).await;
    let res = app.request(Method::GET, &path, Some(&c.admin.access)).header("Accept", "text/csv").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"participation-{day}-{day}.csv\"")
    );
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark first");

    let script = "import csv, io, json, sys\n\
                  data = sys.stdin.buffer.read().decode('utf-8-sig')\n\
                  print(json.dumps(list(csv.DictReader(io.StringIO(data, newline=''))), ensure_ascii=False))";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is on the machine");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python could not read the CSV");
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.len(), 3, "two children and the total: {rows:?}");
    let names: Vec<&str> = rows.iter().map(|r| r["org_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["东乡镇", "西乡镇", "团结县"]);
    assert_eq!(rows[2]["row"], "total");
    // The same figures as the JSON.
    let json_rows: Vec<&Value> =
        json_report["rows"].as_array().unwrap().iter().chain([&json_report["total"]]).collect();
    for (csv_row, json_row) in rows.iter().zip(json_rows) {
        for column in ["members", "active_members", "study_seconds", "articles_completed", "quizzes_taken", "points"] {
            assert_eq!(csv_row[column].as_str().unwrap(), json_row[column].to_string(), "{column}");
        }
        assert_eq!(
            csv_row["participation_rate"].as_str().unwrap().parse::<f64>().ok(),
            json_row["participation_rate"].as_f64()
        );
    }
    assert_eq!(rows[0]["demonstration_site"], "true");
    assert_eq!(rows[1]["average_quiz_score"], "50");
}

#[tokio::test]
async fn rows_sort_by_any_column_with_the_id_as_tiebreak() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let base = format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county);
    let by = |sort: &str, order: &str| format!("{base}&sort={sort}&order={order}");
    let east_first = [c.east, c.west];
    let west_first = [c.west, c.east];
    // 东乡: 2 active, more points, best quiz score; 西乡: 2 members too, 1 active.
    for (sort, desc) in [
        ("points", east_first),
        ("active_members", east_first),
        ("average_quiz_score", east_first),
        ("name", west_first),
    ] {
        let report = get_ok(&app, &by(sort, "desc"), &c.admin).await;
        assert_eq!(row_ids(&report), desc, "{sort} desc");
        let report = get_ok(&app, &by(sort, "asc"), &c.admin).await;
        assert_eq!(row_ids(&report), [desc[1], desc[0]], "{sort} asc");
    }
    // Equal members: the id decides, ascending, whatever the order.
    let report = get_ok(&app, &by("members", "desc"), &c.admin).await;
    assert_eq!(row_ids(&report), east_first);
    for sort in ["shoe_size", ""] {
        let res = app.get(&by(sort, "asc"), Some(&c.admin.access)).await;
        assert_invalid(res, &["sort"]).await;
    }
}

#[tokio::test]
async fn demonstration_only_compares_every_demonstration_site_in_the_subtree() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    patch_org(&app, &c.admin, c.school, json!({"demonstration_site": true})).await;
    let day = today(&app);
    let report = get_ok(
        &app,
        &format!("/admin/reports/participation?org_id={}&from={day}&to={day}&demonstration_only=true", c.county),
        &c.admin,
    )
    .await;
    assert_eq!(row_ids(&report), [c.east, c.school]);
    assert!(report["rows"].as_array().unwrap().iter().all(|r| r["org"]["demonstration_site"] == true));
    let (east, school) = (row_for(&report, c.east), row_for(&report, c.school));
    assert_eq!((east["members"].as_i64(), school["members"].as_i64()), (Some(2), Some(1)));
    assert_eq!((east["active_members"].as_i64(), school["active_members"].as_i64()), (Some(2), Some(1)));
    assert_eq!(school["quizzes_taken"], 1);
    assert_eq!(report["total"]["members"], 5, "the total is still the requested node's");
}

#[tokio::test]
async fn ranges_are_validated_and_name_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin("report_admin").await;
    for path in ["/admin/reports/participation", "/admin/reports/timeseries", "/admin/reports/contents"] {
        for (query, field) in [
            ("from=2026-13-01&to=2026-12-01", "from"),
            ("from=2026-12-01&to=yesterday", "to"),
            ("from=2026-12-02&to=2026-12-01", "from"),
            ("from=2025-01-01&to=2026-01-02", "to"),
            // Only the document's `format: date` (YYYY-MM-DD exactly), not chrono's laxer forms.
            ("from=2026-1-05&to=2026-12-01", "from"),
            ("from=%202026-11-01&to=2026-12-01", "from"),
            ("from=2026-11-01&to=2026-12-01%20", "to"),
        ] {
            let res = app.get(&format!("{path}?{query}"), Some(&admin.access)).await;
            let problem = assert_invalid(res, &[field]).await;
            assert_eq!(problem["code"], "validation_failed");
        }
        // A full leap year is allowed.
        let res = app.get(&format!("{path}?from=2028-01-01&to=2028-12-31"), Some(&admin.access)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn an_org_admin_sees_only_their_subtree_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let boss = app.staff(&c.admin, "east_boss", "org_admin", Some(c.east)).await;
    let day = today(&app);
    // Without org_id: their own node, one row per child.
    let own = get_ok(&app, &format!("/admin/reports/participation?from={day}&to={day}"), &boss).await;
    assert_eq!(own["org"]["id"], c.east);
    assert_eq!(row_ids(&own), [c.school]);
    assert_eq!(own["total"]["members"], 2, "the org admin is staff, not a member");
    let inside = get_ok(&app, &format!("/admin/reports/participation?org_id={}", c.school), &boss).await;
    assert_eq!(inside["org"]["id"], c.school);
    for outside in [c.west, c.county, 999_999] {
        for path in ["participation", "timeseries"] {
            let res = app.get(&format!("/admin/reports/{path}?org_id={outside}"), Some(&boss.access)).await;
            let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
            assert_eq!(error_fields(&problem), ["org_id"]);
        }
    }
    let series = get_ok(&app, &format!("/admin/reports/timeseries?from={day}&to={day}"), &boss).await;
    assert_eq!(series["items"][0]["active_learners"], 2, "东乡's two learners, not the county's four");
    get_ok(&app, "/admin/reports/contents", &boss).await;

    let editor = app.login_ok("editor_li").await;
    let learner = &c.learners[0];
    for path in ["participation", "timeseries"] {
        for who in [&editor, learner] {
            let res = app.get(&format!("/admin/reports/{path}"), Some(&who.access)).await;
            assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    get_ok(&app, "/admin/reports/contents", &editor).await;
    let res = app.get("/admin/reports/contents", Some(&learner.access)).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.get("/admin/reports/participation", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_without_org_id_gets_one_row_per_root_and_the_whole_tree_total() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let other = app.create_org(&c.admin, "邻县", "county", None).await["id"].as_i64().unwrap();
    let report = get_ok(&app, "/admin/reports/participation", &c.admin).await;
    assert_eq!(report["org"], Value::Null);
    assert_eq!(row_ids(&report), [c.county, other]);
    assert_eq!(report["total"]["org"], Value::Null);
    assert_eq!(report["total"]["points"], row_for(&report, c.county)["points"]);
    assert_eq!(report["total"]["members"], 5);
    assert_eq!(report["to"], today(&app).to_string(), "the default range ends today");
    assert_eq!(report["from"], (today(&app) - chrono::Days::new(29)).to_string(), "and covers 30 days");
}

#[tokio::test]
async fn the_timeseries_has_every_day_with_zeros_where_nothing_happened() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let from = day - chrono::Days::new(2);
    let series =
        get_ok(&app, &format!("/admin/reports/timeseries?org_id={}&from={from}&to={day}", c.county), &c.admin).await;
    let items = series["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["date"], (from + chrono::Days::new(i as u64)).to_string());
    }
    assert_eq!(items[1]["active_learners"], 1, "the idle learner registered the day before");
    for quiet in &items[..1] {
        for column in ["active_learners", "study_seconds", "completions", "quizzes_taken", "points"] {
            assert_eq!(quiet[column], 0, "{column}");
        }
    }
    let report =
        get_ok(&app, &format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county), &c.admin).await;
    let busy = &items[2];
    assert_eq!(busy["active_learners"], 4);
    assert_eq!(busy["completions"], 4);
    assert_eq!(busy["quizzes_taken"], 2);
    assert_eq!(busy["points"], report["total"]["points"]);
    assert_eq!(busy["study_seconds"], report["total"]["study_seconds"]);
}

#[tokio::test]
async fn the_content_report_counts_views_completions_shares_and_effective_percent() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let report = get_ok(&app, &format!("/admin/reports/contents?from={day}&to={day}"), &c.admin).await;
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{report}");
    let item = &items[0];
    assert_eq!(item["id"], c.article);
    assert_eq!(item["title"], "民族团结一家亲");
    assert_eq!(
        (item["views"].as_i64(), item["completions"].as_i64(), item["shares"].as_i64()),
        (Some(4), Some(4), Some(1))
    );
    assert_eq!(item["average_effective_percent"].as_f64(), Some(100.0), "all four completed it");
    assert_eq!((item["likes"].as_i64(), item["favorites"].as_i64()), (Some(0), Some(0)));
    let videos = get_ok(&app, &format!("/admin/reports/contents?from={day}&to={day}&kind=video"), &c.admin).await;
    assert!(videos["items"].as_array().unwrap().is_empty());
    let before = day - chrono::Days::new(1);
    let quiet = get_ok(&app, &format!("/admin/reports/contents?from={before}&to={before}"), &c.admin).await;
    assert!(quiet["items"].as_array().unwrap().is_empty());
    let res = app.get("/admin/reports/contents?limit=101", Some(&c.admin.access)).await;
    assert_invalid(res, &["limit"]).await;
}

#[tokio::test]
async fn a_partly_read_article_averages_its_learners_effective_percent() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    // 600 characters: 90 s of estimated reading.
    let article = app.published_article(&room, "半读", &"团结".repeat(300)).await;
    let (a, b) = (app.register("half_a").await, app.register("half_b").await);
    for who in [&a, &b] {
        send_events(
            &app,
            who,
            &[event_at("view", article, None, now(&app)), event_at("progress", article, Some(0), now(&app))],
        )
        .await;
    }
    // a reads 45 s (50 %), b 9 s (10 %).
    app.clock.advance(Duration::seconds(9));
    send_events(&app, &b, &[event_at("progress", article, Some(9), now(&app))]).await;
    app.clock.advance(Duration::seconds(36));
    send_events(&app, &a, &[event_at("progress", article, Some(45), now(&app))]).await;
    let day = today(&app);
    let report = get_ok(&app, &format!("/admin/reports/contents?from={day}&to={day}"), &room.admin).await;
    let item = &report["items"][0];
    assert_eq!(item["views"], 2);
    assert_eq!(item["completions"], 0);
    assert_eq!(item["average_effective_percent"].as_f64(), Some(30.0), "{report}");
}

#[tokio::test]
async fn an_erased_account_leaves_every_report_unchanged() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let paths = [
        format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county),
        format!("/admin/reports/timeseries?org_id={}&from={day}&to={day}", c.county),
        format!("/admin/reports/contents?from={day}&to={day}"),
    ];
    let mut before = Vec::new();
    for path in &paths {
        before.push(get_ok(&app, path, &c.admin).await);
    }
    let leaving = &c.learners[0];
    let res =
        app.request(Method::DELETE, "/me", Some(&leaving.access)).json(&json!({"password": PASSWORD})).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(app.login(&leaving.username, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    for (path, earlier) in paths.iter().zip(&before) {
        assert_eq!(&get_ok(&app, path, &c.admin).await, earlier, "{path} changed after the erasure");
    }
    assert!(before[0]["total"]["points"].as_i64().unwrap() > 0, "the report had figures to keep: {}", before[0]);
}

/// The organization board of `parent`'s children over a period, as `who` sees it.
async fn org_board(app: &TestApp, who: &Session, parent: i64, period: &str, metric: &str) -> Value {
    get_ok(app, &format!("/leaderboards/organizations?parent={parent}&period={period}&metric={metric}"), who).await
}

fn board_row(board: &Value, org: i64) -> Value {
    board["items"].as_array().unwrap().iter().find(|r| r["org"]["id"] == org).cloned().unwrap_or(Value::Null)
}

/// Ledger entries of a user dated `day`, read from the database.
fn ledger_on(app: &TestApp, user: i64, day: chrono::NaiveDate) -> Vec<(String, i32)> {
    points_ledger::table
        .filter(points_ledger::user_id.eq(user))
        .filter(points_ledger::local_date.eq(day.to_string()))
        .select((points_ledger::action, points_ledger::points))
        .load(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn staff_earn_nothing_and_are_never_members_active_members_or_ranked() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let boss = app.staff(&c.admin, "east_boss", "org_admin", Some(c.east)).await;
    let west_editor = app.staff(&c.admin, "west_editor", "editor", Some(c.west)).await;
    // The next day: two learners and both staff come back; the org admin reads an article.
    app.clock.advance(Duration::days(1));
    let day = today(&app);
    let admin = app.login_ok(&c.admin.username).await;
    let li = app.login_ok(&c.learners[0].username).await;
    let han = app.login_ok(&c.learners[2].username).await;
    let boss = app.login_ok(&boss.username).await;
    app.login_ok(&west_editor.username).await;
    let article = c.article;
    send_events(
        &app,
        &boss,
        &[event_at("view", article, None, now(&app)), event_at("progress", article, Some(0), now(&app))],
    )
    .await;
    app.clock.advance(Duration::seconds(100));
    send_events(
        &app,
        &boss,
        &[event_at("progress", article, Some(100), now(&app)), event_at("share", article, None, now(&app))],
    )
    .await;

    // No points for staff: not the day's first activity, not reading, not sharing.
    assert_eq!(ledger_on(&app, boss.id, day), [], "the org admin's ledger today");
    assert_eq!(ledger_on(&app, west_editor.id, day), [], "the editor's ledger today");
    assert_eq!(ledger_on(&app, li.id, day), [("login".to_owned(), 1)]);
    // Staff keep their own resume position: the app works for them as for anyone.
    let progress = get_ok(&app, &format!("/me/progress?content_ids={article}"), &boss).await;
    assert_eq!(progress["items"][0]["position_s"], 100, "{progress}");

    // Learner boards list learners only; a staff caller has no place of their own.
    for who in [&li, &boss] {
        for scope in ["global".to_owned(), format!("org:{}", c.county)] {
            let board = get_ok(&app, &format!("/leaderboards/users?period=today&scope={scope}"), who).await;
            let ids: Vec<i64> =
                board["items"].as_array().unwrap().iter().map(|i| i["user"]["id"].as_i64().unwrap()).collect();
            assert_eq!(ids.len(), 2, "{scope}: {board}");
            assert!(ids.contains(&li.id) && ids.contains(&han.id), "{scope}: {board}");
            if who.id == boss.id {
                assert_eq!(board["me"], Value::Null, "{scope}: staff do not rank");
            } else {
                assert_eq!(board["me"]["points"], 1, "{scope}");
            }
        }
    }

    // The report counts learners only: 5 members, 2 of them active today.
    let report =
        get_ok(&app, &format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county), &admin).await;
    let total = &report["total"];
    assert_eq!((total["members"].as_i64(), total["active_members"].as_i64()), (Some(5), Some(2)), "{report}");
    assert_eq!((total["points"].as_i64(), total["study_seconds"].as_i64()), (Some(2), Some(0)), "{report}");
    for (org, members, active) in [(c.east, 2, 1), (c.west, 2, 1)] {
        let row = row_for(&report, org);
        assert_eq!((row["members"].as_i64(), row["active_members"].as_i64()), (Some(members), Some(active)), "{row}");
    }
    let series =
        get_ok(&app, &format!("/admin/reports/timeseries?org_id={}&from={day}&to={day}", c.county), &admin).await;
    assert_eq!(series["items"][0]["active_learners"], 2, "{series}");

    // The organization board gives the same members and active members.
    let board = org_board(&app, &li, c.county, "today", "participation").await;
    for org in [c.east, c.west] {
        let (on_board, in_report) = (board_row(&board, org), row_for(&report, org));
        for (board_column, report_column) in
            [("members", "members"), ("active_members", "active_members"), ("points", "points")]
        {
            assert_eq!(on_board[board_column], in_report[report_column], "{board_column} of {org}: {board}");
        }
        assert_eq!(on_board["value"], in_report["participation_rate"], "{org}");
    }
}

#[tokio::test]
async fn the_organization_board_and_the_participation_report_agree_for_the_same_unit_and_days() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    // The cases that made them differ: staff in a unit (the org admin has logged in there),
    // a learner who moved after being active, and an erased learner.
    let boss = app.staff(&c.admin, "east_boss", "org_admin", Some(c.east)).await;
    app.clock.advance(Duration::days(1));
    let admin = app.login_ok(&c.admin.username).await;
    app.login_ok(&boss.username).await;
    for who in [&c.learners[0], &c.learners[2]] {
        app.login_ok(&who.username).await;
    }
    let res = app
        .patch_json(
            &format!("/admin/users/{}", c.learners[1].id),
            Some(&admin.access),
            &json!({"organization_id": c.west}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let leaving = app.login_ok(&c.learners[4].username).await;
    let res =
        app.request(Method::DELETE, "/me", Some(&leaving.access)).json(&json!({"password": PASSWORD})).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::NO_CONTENT);

    let viewer = app.login_ok(&c.learners[3].username).await;
    let day = today(&app);
    let monday = day - chrono::Days::new(u64::from(chrono::Datelike::weekday(&day).num_days_from_monday()));
    let first = chrono::Datelike::with_day(&day, 1).unwrap();
    for (period, from) in [("today", day), ("week", monday), ("month", first)] {
        let report =
            get_ok(&app, &format!("/admin/reports/participation?org_id={}&from={from}&to={day}", c.county), &admin)
                .await;
        for metric in ["total", "per_member", "participation"] {
            let board = org_board(&app, &viewer, c.county, period, metric).await;
            assert_eq!(board["items"].as_array().unwrap().len(), 2, "{board}");
            for org in [c.east, c.west] {
                let (on_board, in_report) = (board_row(&board, org), row_for(&report, org));
                for column in ["members", "active_members", "points"] {
                    assert_eq!(on_board[column], in_report[column], "{period} {metric}: {column} of {org}");
                }
                let value = match metric {
                    "total" => in_report["points"].as_f64(),
                    "per_member" => in_report["points_per_member"].as_f64(),
                    _ => in_report["participation_rate"].as_f64(),
                };
                assert_eq!(on_board["value"].as_f64(), value, "{period} {metric} of {org}");
                assert!(
                    on_board["active_members"].as_i64() <= on_board["members"].as_i64(),
                    "{period}: never above 100 %: {on_board}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_learner_promoted_to_staff_leaves_boards_and_member_counts_but_keeps_their_ledger() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);
    let li = &c.learners[0];
    let han = app.login_ok(&c.learners[2].username).await;
    let path = format!("/admin/reports/participation?org_id={}&from={day}&to={day}", c.county);
    let board_path = "/leaderboards/users?period=today&limit=100";
    let before = get_ok(&app, &path, &c.admin).await;
    let board_before = get_ok(&app, board_path, &han).await;
    let li_points =
        board_before["items"].as_array().unwrap().iter().find(|i| i["user"]["id"] == li.id).unwrap()["points"].clone();
    let ledger_before = ledger_on(&app, li.id, day);
    assert!(!ledger_before.is_empty());

    let set_role = |role: &'static str| {
        let app = &app;
        let admin = c.admin.access.clone();
        async move {
            let res = app.patch_json(&format!("/admin/users/{}", li.id), Some(&admin), &json!({"role": role})).await;
            assert_eq!(res.status(), StatusCode::OK, "{role}");
        }
    };
    set_role("editor").await;
    // Off every learner board; han moves up by one.
    let board = get_ok(&app, board_path, &han).await;
    assert!(board["items"].as_array().unwrap().iter().all(|i| i["user"]["id"] != li.id), "{board}");
    assert_eq!(board["me"]["rank"].as_i64(), board_before["me"]["rank"].as_i64().map(|r| r - 1), "{board}");
    // Not a member of any range any more, nor an active one; the points earned as a
    // learner stay with the unit's day, and the ledger is untouched.
    let after = get_ok(&app, &path, &c.admin).await;
    let (east_before, east) = (row_for(&before, c.east), row_for(&after, c.east));
    assert_eq!((east_before["members"].as_i64(), east_before["active_members"].as_i64()), (Some(2), Some(2)));
    assert_eq!((east["members"].as_i64(), east["active_members"].as_i64()), (Some(1), Some(1)), "{east}");
    assert_eq!(east["points"], east_before["points"]);
    assert_eq!((after["total"]["members"].as_i64(), after["total"]["active_members"].as_i64()), (Some(4), Some(3)));
    assert_eq!(ledger_on(&app, li.id, day), ledger_before);

    // Made a learner again, their learner history counts again.
    set_role("learner").await;
    let board = get_ok(&app, board_path, &han).await;
    let back = board["items"].as_array().unwrap().iter().find(|i| i["user"]["id"] == li.id).cloned();
    assert_eq!(back.map(|i| i["points"].clone()), Some(li_points));
    assert_eq!(get_ok(&app, &path, &c.admin).await, before);
}

/// Asks for `path` as CSV and reads it the way a spreadsheet user's script would (Python's
/// csv module, after checking the UTF-8 byte-order mark); returns the rows as objects.
async fn csv_rows(app: &TestApp, path: &str, who: &Session, file_name: &str) -> Vec<Value> {
    let res = app.request(Method::GET, path, Some(&who.access)).header("Accept", "text/csv").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8", "{path}");
    let vary: Vec<&str> = res.headers().get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(vary.iter().any(|v| v.split(", ").any(|h| h == "Accept")), "Vary: {vary:?}");
    assert_eq!(res.headers()["content-disposition"].to_str().unwrap(), format!("attachment; filename=\"{file_name}\""));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark first in {path}");
    let script = "import csv, io, json, sys\n\
                  data = sys.stdin.buffer.read().decode('utf-8-sig')\n\
                  print(json.dumps(list(csv.DictReader(io.StringIO(data, newline=''))), ensure_ascii=False))";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is on the machine");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python could not read the CSV of {path}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn the_time_series_content_and_quiz_reports_give_csv_like_participation() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let day = today(&app);

    let path = format!("/admin/reports/timeseries?org_id={}&from={day}&to={day}", c.county);
    let json_report = get_ok(&app, &path, &c.admin).await;
    let rows = csv_rows(&app, &path, &c.admin, &format!("timeseries-{day}-{day}.csv")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["date"], day.to_string());
    for column in ["active_learners", "study_seconds", "completions", "quizzes_taken", "points"] {
        assert_eq!(rows[0][column].as_str().unwrap(), json_report["items"][0][column].to_string(), "{column}");
    }
    assert_eq!(rows[0]["completions"], "4");

    let path = format!("/admin/reports/contents?from={day}&to={day}");
    let json_report = get_ok(&app, &path, &c.admin).await;
    let rows = csv_rows(&app, &path, &c.admin, &format!("contents-{day}-{day}.csv")).await;
    assert_eq!(rows.len(), json_report["items"].as_array().unwrap().len());
    assert_eq!(rows[0]["id"], c.article.to_string());
    assert_eq!(rows[0]["title"], "民族团结一家亲");
    for column in ["views", "completions", "likes", "favorites", "shares"] {
        assert_eq!(rows[0][column].as_str().unwrap(), json_report["items"][0][column].to_string(), "{column}");
    }

    let (_, quizzes) = json_body(app.get("/admin/quizzes", Some(&c.admin.access)).await).await;
    let quiz = quizzes["items"][0]["id"].as_i64().unwrap();
    let path = format!("/admin/reports/quizzes/{quiz}");
    let json_report = get_ok(&app, &path, &c.admin).await;
    let rows = csv_rows(&app, &path, &c.admin, &format!("quiz-{quiz}.csv")).await;
    let kinds: Vec<&str> = rows.iter().map(|r| r["row"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["quiz", "question", "option", "option", "question", "option", "option"]);
    assert_eq!(rows[0]["attempts"], "2");
    assert_eq!(rows[0]["mean_score"].as_str().unwrap().parse::<f64>().ok(), json_report["mean_score"].as_f64());
    assert_eq!(rows[1]["stem"], "第一题");
    assert_eq!(rows[1]["share_correct"], "1");
    assert_eq!((rows[2]["option_key"].as_str(), rows[2]["option_text"].as_str()), (Some("A"), Some("甲")));
    assert_eq!(rows[2]["pick_rate"], "1");
    assert_eq!(rows[4]["share_correct"], "0.5");
    // JSON stays the default.
    let res = app.get(&path, Some(&c.admin.access)).await;
    assert_eq!(res.headers()["content-type"], "application/json");
}
