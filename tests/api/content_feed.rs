//! What learners see: one visibility rule everywhere, keyset pages, search that works for
//! Chinese, translations, conditional requests.

use std::collections::HashSet;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn feed(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let (status, body) = json_body(app.get(&format!("/contents{query}"), token).await).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn unpublished_scheduled_and_archived_items_are_invisible_everywhere() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let learner = app.register("watcher").await;
    let published = app.published_article(&room, "已发布的团结故事", "正文").await;
    let draft = app.draft_article(&room, "草稿的团结故事", "正文").await;
    let in_review = app.draft_article(&room, "审核中的团结故事", "正文").await;
    app.post_json(&format!("/admin/contents/{in_review}/submit"), Some(&room.editor.access), &json!({})).await;
    let scheduled = app.draft_article(&room, "定时的团结故事", "正文").await;
    let tomorrow = (chrono::Utc::now() + Duration::days(1)).to_rfc3339();
    app.publish(&room, scheduled, Some(&tomorrow)).await;
    let archived = app.published_article(&room, "归档的团结故事", "正文").await;
    app.request(reqwest::Method::DELETE, &format!("/admin/contents/{archived}"), Some(&room.reviewer.access))
        .send()
        .await
        .unwrap();
    let (video, file, poster) = app.published_video(&room, "团结的微视频").await;
    let (hidden_video, hidden_file) = {
        let (_, upload) = json_body(
            app.upload(&room.editor.access, include_bytes!("../../demo/media/clip-2.mp4"), "c.mp4", "video/mp4").await,
        )
        .await;
        let req = json!({"kind": "video", "title": "未发布的视频", "topic": room.topic["id"], "audiences": ["public"], "media_id": upload["id"]});
        let (_, created) = json_body(app.post_json("/admin/contents", Some(&room.editor.access), &req).await).await;
        (created["id"].as_i64().unwrap(), upload["id"].as_i64().unwrap())
    };

    for token in [None, Some(learner.access.as_str())] {
        let visible: HashSet<i64> = ids(&feed(&app, "", token).await).into_iter().collect();
        assert_eq!(visible, HashSet::from([published, video]), "feed");
        let found: HashSet<i64> = ids(&feed(&app, "?q=%E5%9B%A2%E7%BB%93", token).await).into_iter().collect();
        assert_eq!(found, HashSet::from([published, video]), "search");
        for hidden in [draft, in_review, scheduled, archived, hidden_video] {
            let res = app.get(&format!("/contents/{hidden}"), token).await;
            assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
        }
        assert_eq!(app.get(&format!("/media/{file}"), token).await.status(), StatusCode::OK);
        assert_eq!(app.get(&format!("/media/{poster}"), token).await.status(), StatusCode::OK);
        assert_problem(app.get(&format!("/media/{hidden_file}"), token).await, StatusCode::NOT_FOUND, "not_found")
            .await;
    }
    // Staff may preview the unpublished file.
    assert_eq!(app.get(&format!("/media/{hidden_file}"), Some(&room.reviewer.access)).await.status(), StatusCode::OK);

    // The scheduled item appears when its time comes, with no timer involved.
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    assert!(ids(&feed(&app, "", None).await).contains(&scheduled));
    assert_eq!(app.get(&format!("/contents/{scheduled}"), None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn feed_items_carry_the_documented_fields() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "字段检查", "## 标题\n\n正文段落。").await;
    let page = feed(&app, "", None).await;
    let item = &page["items"][0];
    assert_eq!(item["id"], id);
    for key in [
        "id",
        "kind",
        "title",
        "summary",
        "cover_url",
        "topic",
        "tags",
        "audiences",
        "duration_s",
        "reading_time_s",
        "published_at",
        "locale",
        "stats",
        "me",
    ] {
        assert!(item.get(key).is_some(), "{key} in {item}");
    }
    assert_eq!(item["topic"]["slug"], "ethnic-view");
    assert_eq!(item["topic"]["name"], "民族观");
    assert_eq!(item["audiences"], json!(["junior", "public"]));
    assert_eq!(item["stats"], json!({"views": 0, "likes": 0, "favorites": 0, "shares": 0}));
    assert_eq!(item["me"], Value::Null);
    assert_eq!(page["next_cursor"], Value::Null);

    let (status, detail) = json_body(app.get(&format!("/contents/{id}"), None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["body_markdown"], "## 标题\n\n正文段落。");
    assert_eq!(detail["body_html"], "<h2>标题</h2>\n<p>正文段落。</p>\n");
    assert_eq!(detail["video"], Value::Null);
}

#[tokio::test]
async fn filters_narrow_the_feed() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let other = app.create_topic(&room.admin, "policy-law", "政策法规", "Policy").await;
    let article = app.published_article(&room, "文章", "正文").await;
    let (video, ..) = app.published_video(&room, "视频").await;
    let req = json!({"kind": "article", "title": "法规", "body_markdown": "正文", "topic": other["id"], "audiences": ["cadre"]});
    let (_, policy) = json_body(app.post_json("/admin/contents", Some(&room.editor.access), &req).await).await;
    let policy = policy["id"].as_i64().unwrap();
    app.publish(&room, policy, None).await;

    assert_eq!(ids(&feed(&app, "?kind=video", None).await), [video]);
    assert_eq!(ids(&feed(&app, "?kind=article&topic=ethnic-view", None).await), [article]);
    assert_eq!(ids(&feed(&app, &format!("?topic={}", other["id"]), None).await), [policy]);
    assert_eq!(ids(&feed(&app, "?audience=cadre", None).await), [policy]);
    assert!(ids(&feed(&app, "?topic=no-such-topic", None).await).is_empty());
    assert_invalid(app.get("/contents?kind=poem", None).await, &["kind"]).await;
    assert_invalid(app.get("/contents?audience=aliens", None).await, &["audience"]).await;
    assert_invalid(app.get("/contents?sort=relevance", None).await, &["sort"]).await;
}

#[tokio::test]
async fn keyset_pages_visit_every_item_once_while_new_items_are_published() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let mut expected = Vec::new();
    for i in 0..7 {
        expected.push(app.published_article(&room, &format!("第{i}篇"), "正文").await);
        app.clock.advance(Duration::seconds(1));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let query = cursor.as_ref().map_or_else(|| "?limit=3".to_owned(), |c| format!("?limit=3&cursor={c}"));
        let page = feed(&app, &query, None).await;
        seen.extend(ids(&page));
        // Someone publishes between page requests: it goes to the top, not into our walk.
        if added < 2 {
            app.published_article(&room, &format!("新增{added}"), "正文").await;
            added += 1;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    expected.reverse();
    assert_eq!(seen, expected, "newest first, each exactly once");
    assert_problem(app.get("/contents?cursor=bm90LWEtY3Vyc29y", None).await, StatusCode::BAD_REQUEST, "invalid_cursor")
        .await;
    let popular_cursor = {
        let page = feed(&app, "?limit=1&sort=popular", None).await;
        page["next_cursor"].as_str().unwrap().to_owned()
    };
    // Any string of the documented form is a cursor: one from another order, or made up,
    // starts the page after that key instead of being refused.
    for cursor in [popular_cursor.as_str(), "0_0_0_0", "1_9999999999999999_999999999999999999_999999999999999999"] {
        let res = app.get(&format!("/contents?cursor={cursor}"), None).await;
        assert_eq!(res.status(), StatusCode::OK, "{cursor}");
    }
    for cursor in ["", "2_0_0_0", "0_+1_0_0", "0_0_0", "0_0_0_0_0", "0_99999999999999999_0_0"] {
        let res = app.get(&format!("/contents?cursor={cursor}"), None).await;
        assert_problem(res, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    }
}

#[tokio::test]
async fn every_list_accepts_exactly_the_cursors_its_documented_pattern_describes() {
    let app = TestApp::spawn().await;
    let learner = app.register("cursor_reader").await;
    let doc = json_body(app.get("/api/openapi.json", None).await).await.1;
    let pattern_of = |path: &str| {
        let params = doc["paths"][format!("/api/v1{path}")]["get"]["parameters"].as_array().unwrap().clone();
        params.iter().find(|p| p["name"] == "cursor").unwrap()["schema"]["pattern"].as_str().unwrap().to_owned()
    };
    for (path, pattern, good, bad) in [
        ("/quizzes", r"^[0-9]{1,18}$", "999999999999999999", ["", "+5", "-1", "1e3", "9999999999999999999"]),
        ("/me/history", r"^[0-9]{1,16}_[0-9]{1,18}$", "0_1", ["", "1", "_1", "+1_1", "99999999999999999_1"]),
        ("/campaigns", r"^[0-9]{1,16}_[0-9]{1,18}$", "9999999999999999_0", ["", "1_", "1_1_1", " 1_1", "a_1"]),
    ] {
        assert_eq!(pattern_of(path), pattern, "{path}");
        let res = app.get(&format!("{path}?cursor={good}"), Some(&learner.access)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}?cursor={good}");
        for cursor in bad {
            let res = app.get(&format!("{path}?cursor={}", urlencoding(cursor)), Some(&learner.access)).await;
            assert_problem(res, StatusCode::BAD_REQUEST, "invalid_cursor").await;
        }
    }
}

fn urlencoding(text: &str) -> String {
    text.replace('+', "%2B").replace(' ', "%20")
}

#[tokio::test]
async fn popular_orders_by_likes_and_favourites() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let quiet = app.published_article(&room, "冷门", "正文").await;
    let liked = app.published_article(&room, "热门", "正文").await;
    let newest = app.published_article(&room, "最新", "正文").await;
    for name in ["fan_a", "fan_b"] {
        let fan = app.register(name).await;
        app.request(reqwest::Method::PUT, &format!("/contents/{liked}/like"), Some(&fan.access)).send().await.unwrap();
    }
    let fan = app.register("fan_c").await;
    app.request(reqwest::Method::PUT, &format!("/contents/{quiet}/favorite"), Some(&fan.access)).send().await.unwrap();
    assert_eq!(ids(&feed(&app, "?sort=popular", None).await), [liked, quiet, newest]);
    // Walking the popular order in pages gives the same sequence.
    let first = feed(&app, "?sort=popular&limit=2", None).await;
    let second =
        feed(&app, &format!("?sort=popular&limit=2&cursor={}", first["next_cursor"].as_str().unwrap()), None).await;
    assert_eq!([ids(&first), ids(&second)].concat(), [liked, quiet, newest]);
}

#[tokio::test]
async fn two_character_chinese_words_are_found_and_title_hits_rank_first() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let in_body = app.published_article(&room, "石榴籽的故事", "各族同学像石榴籽一样，民族团结一家亲。").await;
    let in_title = app.published_article(&room, "民族团结进步创建", "这是一篇关于创建工作的文章。").await;
    let unrelated = app.published_article(&room, "春节习俗", "贴春联，吃饺子。").await;
    assert_eq!(ids(&feed(&app, "?q=%E5%9B%A2%E7%BB%93", None).await), [in_title, in_body], "团结: title match first");
    assert_eq!(ids(&feed(&app, "?q=%E6%B0%91%E6%97%8F", None).await), [in_title, in_body], "民族");
    assert_eq!(ids(&feed(&app, "?q=%E6%98%A5%E8%81%94", None).await), [unrelated], "春联 in a body");
    assert!(ids(&feed(&app, "?q=%E5%9B%A2%E5%9C%86", None).await).is_empty(), "团圆 appears nowhere");
    // Every word must match; punctuation and SQL-looking input are just text.
    assert_eq!(ids(&feed(&app, "?q=%E5%9B%A2%E7%BB%93%20%E7%9F%B3%E6%A6%B4", None).await), [in_body]);
    for hostile in ["%27%20OR%201%3D1%20--", "%22", "*", "NEAR(a%20b)", "%E5%9B%A2%22%29%20OR%20%28%22"] {
        let res = app.get(&format!("/contents?q={hostile}"), None).await;
        assert_eq!(res.status(), StatusCode::OK, "{hostile}");
    }
    // Latest order within matches on request.
    assert_eq!(ids(&feed(&app, "?q=%E5%9B%A2%E7%BB%93&sort=latest", None).await), [in_title, in_body]);
}

#[tokio::test]
async fn search_reaches_translations_and_latin_words() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "茶马古道", "一条连接各族的道路。").await;
    let body = json!({"title": "The Tea Horse Road", "summary": "A road of friendship", "body_markdown": "Caravans carried tea and salt."});
    let res = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/admin/contents/{id}/translations/en"),
            Some(&room.editor.access),
            &body,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.publish(&room, id, None).await;
    assert_eq!(ids(&feed(&app, "?q=caravans", None).await), [id]);
    assert_eq!(ids(&feed(&app, "?q=TEA%20horse", None).await), [id]);
    assert_eq!(ids(&feed(&app, "?q=%E5%8F%A4%E9%81%93", None).await), [id]);
}

#[tokio::test]
async fn the_best_translation_is_served_with_a_fallback_to_the_original() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "中秋节", "月圆人团圆。").await;
    let body =
        json!({"title": "Mid-Autumn Festival", "summary": "Family reunion", "body_markdown": "The moon is full."});
    app.send_json(
        reqwest::Method::PUT,
        &format!("/admin/contents/{id}/translations/en"),
        Some(&room.editor.access),
        &body,
    )
    .await;
    app.publish(&room, id, None).await;

    let get =
        |lang: &'static str| app.client.get(app.url(&format!("/contents/{id}"))).header("accept-language", lang).send();
    let (_, english) = json_body(get("en-GB,en;q=0.8").await.unwrap()).await;
    assert_eq!((english["title"].as_str(), english["locale"].as_str()), (Some("Mid-Autumn Festival"), Some("en")));
    assert_eq!(english["body_markdown"], "The moon is full.");
    assert_eq!(english["topic"]["name"], "Ethnic view", "topic names follow too");
    let res = get("fr, ug;q=0.5").await.unwrap();
    assert_eq!(res.headers()["content-language"], "zh-Hans");
    let (_, fallback) = json_body(res).await;
    assert_eq!((fallback["title"].as_str(), fallback["locale"].as_str()), (Some("中秋节"), Some("zh-Hans")));
    let (_, chinese) = json_body(get("zh-CN,en;q=0.9").await.unwrap()).await;
    assert_eq!(chinese["locale"], "zh-Hans");
    let (_, explicit) = json_body(app.get(&format!("/contents/{id}?locale=en"), None).await).await;
    assert_eq!(explicit["locale"], "en", "?locale= wins");
    let page = feed(&app, "?locale=en", None).await;
    assert_eq!(page["items"][0]["title"], "Mid-Autumn Festival");
    let (_, topics) = json_body(app.get("/topics?locale=en", None).await).await;
    assert_eq!(topics["items"][0]["name"], "Ethnic view");
}

#[tokio::test]
async fn anonymous_responses_carry_etags_and_answer_304() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "缓存", "正文").await;
    for path in ["/contents".to_owned(), format!("/contents/{id}"), "/topics".to_owned()] {
        let res = app.get(&path, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("public"), "{path}");
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let again = app.client.get(app.url(&path)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()["etag"], etag.as_str());
        assert!(again.text().await.unwrap().is_empty());
    }
    // A change makes a new version.
    let (_, before) = json_body(app.get(&format!("/contents/{id}"), None).await).await;
    let res = app.get(&format!("/contents/{id}"), None).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    app.revise(&room, id, &json!({"summary": "新的摘要"})).await;
    let res = app.client.get(app.url(&format!("/contents/{id}"))).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, after) = json_body(res).await;
    assert_ne!(before["summary"], after["summary"]);
}

#[tokio::test]
async fn a_token_adds_the_callers_own_state_and_makes_the_response_private() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let liked = app.published_article(&room, "点赞的", "正文").await;
    let plain = app.published_article(&room, "没点赞的", "正文").await;
    let learner = app.register("reader").await;
    app.request(reqwest::Method::PUT, &format!("/contents/{liked}/like"), Some(&learner.access)).send().await.unwrap();
    app.request(reqwest::Method::PUT, &format!("/contents/{liked}/favorite"), Some(&learner.access))
        .send()
        .await
        .unwrap();
    let res = app.get("/contents", Some(&learner.access)).await;
    assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("private"));
    let (_, page) = json_body(res).await;
    let me = |id: i64| page["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap()["me"].clone();
    assert_eq!(me(liked), json!({"liked": true, "favorited": true, "progress": null}));
    assert_eq!(me(plain), json!({"liked": false, "favorited": false, "progress": null}));
    let (_, detail) = json_body(app.get(&format!("/contents/{liked}"), Some(&learner.access)).await).await;
    assert_eq!(detail["me"]["liked"], true);
    assert_problem(app.get("/contents", Some("not-a-token")).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn an_article_with_a_very_long_word_or_a_huge_vocabulary_is_indexed_and_found() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    // A 3,000-byte "word" (PostgreSQL refuses lexemes over 2,047 bytes) among ordinary text.
    let long_word = "x".repeat(3000);
    let long = app.published_article(&room, "长词文章", &format!("民族团结 {long_word} unity")).await;
    // 150,000 characters whose bigrams are nearly all different: far more distinct terms
    // than one PostgreSQL tsvector holds (1 MiB).
    let many: String = (0..150_000u32).filter_map(|i| char::from_u32(0x4E00 + (i * 7919) % 20_000)).collect();
    let huge = app.published_article(&room, "大词汇量", &format!("开头{many}")).await;
    let (status, shown) = json_body(app.get(&format!("/contents/{long}"), None).await).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert!(shown["body_markdown"].as_str().unwrap().contains(&long_word), "the body itself is kept whole");
    assert_eq!(ids(&feed(&app, "?q=unity", None).await), [long]);
    assert_eq!(ids(&feed(&app, "?q=%E6%B0%91%E6%97%8F", None).await), [long], "民族 beside the long word");
    assert_eq!(ids(&feed(&app, "?q=%E5%BC%80%E5%A4%B4", None).await), [huge], "开头: its first words are indexed");
    assert_eq!(ids(&feed(&app, "?q=%E5%A4%A7%E8%AF%8D", None).await), [huge], "大词 in its title");
}
