//! Uploads (type sniffing, size limit, de-duplication) and byte-exact Range serving.

use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::helpers::*;

async fn get_range(app: &TestApp, id: i64, range: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/media/{id}"))).header("range", range).send().await.unwrap()
}

#[tokio::test]
async fn an_upload_is_stored_once_with_its_real_type_and_hash() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let res = app.upload(&room.editor.access, CLIP, "clip.mp4", "video/mp4").await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (status, video) = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(location, format!("/api/v1/media/{}", video["id"]));
    assert_eq!(video["kind"], "video");
    assert_eq!(video["mime"], "video/mp4");
    assert_eq!(video["size"], CLIP.len());
    assert_eq!(video["sha256"], hex::encode(Sha256::digest(CLIP)));
    assert_eq!(video["duration_s"], 40, "read from the MP4 header");

    let (status, again) =
        json_body(app.upload(&room.reviewer.access, CLIP, "copy.mp4", "application/octet-stream").await).await;
    assert_eq!(status, StatusCode::OK, "the same bytes are not stored twice");
    assert_eq!(again["id"], video["id"]);

    let (status, image) = json_body(app.upload(&room.editor.access, POSTER, "poster.jpg", "image/jpeg").await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!((image["kind"].as_str(), image["mime"].as_str()), (Some("image"), Some("image/jpeg")));
    assert_eq!((image["width"].as_i64(), image["height"].as_i64()), (Some(192), Some(108)));

    let stored = std::fs::read_dir(app.config.data_dir.join("media/media")).unwrap().count();
    assert_eq!(stored, 2, "one object per distinct file");
    let (_, log) = json_body(app.get("/admin/audit-log?action=media.upload", Some(&room.admin.access)).await).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_file_that_is_not_what_it_claims_is_refused() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let token = &room.editor.access;
    let fake = b"<html><script>alert(1)</script></html> pretending to be a video".repeat(100);
    assert_problem(
        app.upload(token, &fake, "evil.mp4", "video/mp4").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    assert_problem(
        app.upload(token, POSTER, "poster.mp4", "video/mp4").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    assert_problem(
        app.upload(token, CLIP, "clip.png", "image/png").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj".repeat(50);
    assert_problem(
        app.upload(token, &pdf, "doc.pdf", "application/octet-stream").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let leftovers = std::fs::read_dir(app.config.data_dir.join("media"))
        .unwrap()
        .filter_map(Result::ok)
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten())
        .count();
    assert_eq!(leftovers, 0, "refused uploads leave nothing behind");
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_with_413() {
    let app = TestApp::spawn_with(&[("max_upload_mb", "1")]).await;
    let room = app.newsroom().await;
    let mut big = CLIP.to_vec();
    big.resize(1024 * 1024 + 200 * 1024, 0);
    assert_problem(
        app.upload(&room.editor.access, &big, "big.mp4", "video/mp4").await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    // Streamed without a length: refused as the bytes pass the limit.
    let part = reqwest::multipart::Part::stream(reqwest::Body::from(big.clone()))
        .file_name("big.mp4")
        .mime_str("video/mp4")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let res = app
        .request(reqwest::Method::POST, "/admin/media", Some(&room.editor.access))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert_eq!(app.upload(&room.editor.access, CLIP, "ok.mp4", "video/mp4").await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_upload_must_be_multipart_with_a_file_part_from_content_staff() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let res = app
        .request(reqwest::Method::POST, "/admin/media", Some(&room.editor.access))
        .header("content-type", "video/mp4")
        .body(CLIP.to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let form = reqwest::multipart::Form::new().text("title", "no file here");
    let res = app
        .request(reqwest::Method::POST, "/admin/media", Some(&room.editor.access))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "malformed_body").await;
    // The file is the only part: another one, before or after it, is refused.
    for file_first in [true, false] {
        let file = reqwest::multipart::Part::bytes(POSTER.to_vec()).file_name("p.jpg").mime_str("image/jpeg").unwrap();
        let form = reqwest::multipart::Form::new();
        let form = if file_first {
            form.part("file", file).text("title", "x")
        } else {
            form.text("title", "x").part("file", file)
        };
        let res = app
            .request(reqwest::Method::POST, "/admin/media", Some(&room.editor.access))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_problem(res, StatusCode::BAD_REQUEST, "malformed_body").await;
    }
    let learner = app.register("no_uploads").await;
    assert_problem(
        app.upload(&learner.access, CLIP, "clip.mp4", "video/mp4").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let res = app
        .request(reqwest::Method::POST, "/admin/media", None)
        .header("content-type", "video/mp4")
        .body(CLIP.to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn ranges_are_served_byte_exact() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let (_, file, _) = app.published_video(&room, "可拖动的视频").await;
    let size = CLIP.len();

    let res = app.get(&format!("/media/{file}"), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(res.headers()["content-type"], "video/mp4");
    assert_eq!(res.headers()["content-length"], size.to_string().as_str());
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(res.bytes().await.unwrap().as_ref(), CLIP);

    let cases: [(&str, usize, usize); 6] = [
        ("bytes=0-", 0, size - 1),
        ("bytes=10-19", 10, 19),
        ("bytes=100-", 100, size - 1),
        ("bytes=-500", size - 500, size - 1),
        ("bytes=-999999", 0, size - 1),
        (&format!("bytes={}-99999999", size - 1), size - 1, size - 1),
    ];
    for (range, start, end) in cases {
        let res = get_range(&app, file, range).await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(res.headers()["content-range"], format!("bytes {start}-{end}/{size}").as_str(), "{range}");
        assert_eq!(res.headers()["content-length"], (end - start + 1).to_string().as_str(), "{range}");
        assert_eq!(res.bytes().await.unwrap().as_ref(), &CLIP[start..=end], "{range}");
    }
    for range in [format!("bytes={size}-"), format!("bytes={}-{}", size + 10, size + 20), "bytes=-0".to_owned()] {
        let res = get_range(&app, file, &range).await;
        assert_eq!(res.headers()["content-range"], format!("bytes */{size}").as_str(), "{range}");
        assert_problem(res, StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable").await;
    }
    // Ranges this server does not serve partially: the whole file.
    for range in ["bytes=0-1,5-6", "bytes=9-2", "bytes=abc", "pages=1-2"] {
        let res = get_range(&app, file, range).await;
        assert_eq!(res.status(), StatusCode::OK, "{range}");
        assert_eq!(res.bytes().await.unwrap().len(), size, "{range}");
    }
}

#[tokio::test]
async fn media_answers_conditional_requests() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let (_, file, _) = app.published_video(&room, "条件请求").await;
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(CLIP)));
    let res = app.client.get(app.url(&format!("/media/{file}"))).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"], etag.as_str());
    // If-Range with a stale validator: the whole (new) file, not a mixed-up part.
    let res = app
        .client
        .get(app.url(&format!("/media/{file}")))
        .header("range", "bytes=0-9")
        .header("if-range", "\"old\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .client
        .get(app.url(&format!("/media/{file}")))
        .header("range", "bytes=0-9")
        .header("if-range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
}

#[tokio::test]
async fn unpublished_media_is_for_content_staff_only() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let (_, upload) = json_body(app.upload(&room.editor.access, CLIP, "draft.mp4", "video/mp4").await).await;
    let id = upload["id"].as_i64().unwrap();
    let learner = app.register("peeker").await;
    assert_problem(app.get(&format!("/media/{id}"), None).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(app.get(&format!("/media/{id}"), Some(&learner.access)).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    let res = app.get(&format!("/media/{id}"), Some(&room.editor.access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert_problem(app.get("/media/99999", Some(&room.editor.access)).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn videos_reference_the_right_kinds_of_files() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let (_, video) = json_body(app.upload(&room.editor.access, CLIP, "v.mp4", "video/mp4").await).await;
    let (_, image) = json_body(app.upload(&room.editor.access, POSTER, "p.jpg", "image/jpeg").await).await;
    let base = json!({"kind": "video", "title": "视频", "topic": room.topic["id"], "audiences": ["public"]});
    let with = |extra: serde_json::Value| {
        let mut body = base.clone();
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let res =
        app.post_json("/admin/contents", Some(&room.editor.access), &with(json!({"media_id": image["id"]}))).await;
    assert_invalid(res, &["media_id"]).await;
    let res = app
        .post_json(
            "/admin/contents",
            Some(&room.editor.access),
            &with(json!({"media_id": video["id"], "poster_media_id": video["id"]})),
        )
        .await;
    assert_invalid(res, &["poster_media_id"]).await;
    let res = app.post_json("/admin/contents", Some(&room.editor.access), &with(json!({"media_id": 4242}))).await;
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_eq!(error_fields(&problem), ["media_id"], "a file that does not exist is an unknown reference");
    let (status, created) = json_body(
        app.post_json("/admin/contents", Some(&room.editor.access), &with(json!({"media_id": video["id"]}))).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["duration_s"], 40, "taken from the file when not given");
}

#[tokio::test]
async fn media_can_live_in_s3_compatible_storage() {
    let Ok(endpoint) = std::env::var("TONGXIN_TEST_S3_ENDPOINT") else { return };
    let bucket = format!("tongxin-test-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.unwrap();
    assert!(created.status().is_success(), "create bucket: {}", created.status());
    let url = format!("s3://{bucket}/media-prefix");
    let app = TestApp::spawn_with(&[
        ("media_url", &url),
        ("s3_endpoint", &endpoint),
        ("s3_region", "us-east-1"),
        ("s3_access_key_id", "test"),
        ("s3_secret_access_key", "test-secret"),
    ])
    .await;
    let room = app.newsroom().await;
    let (_, file, _) = app.published_video(&room, "对象存储").await;
    let res = app.get(&format!("/media/{file}"), None).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), CLIP);
    let res = get_range(&app, file, "bytes=100-199").await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &CLIP[100..200]);
    let (status, again) = json_body(app.upload(&room.editor.access, CLIP, "again.mp4", "video/mp4").await).await;
    assert_eq!((status, again["id"].as_i64()), (StatusCode::OK, Some(file)));
}

/// Uploads a video file of `seconds` as the editor; returns its media id.
async fn upload_lasting(app: &TestApp, room: &Newsroom, seconds: u32) -> i64 {
    let res = app.upload(&room.editor.access, &mp4_lasting(seconds), "clip.mp4", "video/mp4").await;
    let (status, media) = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    assert_eq!(media["duration_s"], seconds, "read from the file: {media}");
    media["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_videos_duration_is_the_files_and_an_editors_other_figure_is_refused() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let five = upload_lasting(&app, &room, 5).await;
    let create = |extra: serde_json::Value| {
        let mut body = json!({"kind": "video", "title": "五秒", "topic": room.topic["id"], "audiences": ["public"], "media_id": five});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (app, token) = (&app, room.editor.access.clone());
        async move { app.post_json("/admin/contents", Some(&token), &body).await }
    };
    // A 5 s clip stored as 600 s would let a learner be credited ten minutes for it.
    for claimed in [600, 7, 3] {
        let problem =
            assert_problem(create(json!({"duration_s": claimed})).await, StatusCode::CONFLICT, "conflict").await;
        let message = problem["detail"].as_str().unwrap();
        assert!(message.contains("5 s") && message.contains("±1 s"), "{message}");
    }
    let count = || {
        use diesel::prelude::*;
        tongxin::db::schema::contents::table.count().get_result::<i64>(&mut app.db()).unwrap()
    };
    assert_eq!(count(), 0, "nothing stored from a refused request");
    // Within a second of the file's, or left out: the file's duration is stored.
    for claimed in [json!({"duration_s": 6}), json!({"duration_s": 4}), json!({})] {
        let (status, created) = json_body(create(claimed.clone()).await).await;
        assert_eq!(status, StatusCode::CREATED, "{claimed}: {created}");
        assert_eq!(created["duration_s"], 5, "{claimed}");
    }
    let (_, created) = json_body(create(json!({})).await).await;
    let id = created["id"].as_i64().unwrap();

    // PATCH: a duration alone is checked against the current file; a new file brings its own.
    let patch = |body: serde_json::Value| {
        let (app, token) = (&app, room.editor.access.clone());
        async move { app.patch_json(&format!("/admin/contents/{id}"), Some(&token), &body).await }
    };
    assert_problem(patch(json!({"duration_s": 600})).await, StatusCode::CONFLICT, "conflict").await;
    let minute = upload_lasting(&app, &room, 60).await;
    assert_problem(patch(json!({"media_id": minute, "duration_s": 5})).await, StatusCode::CONFLICT, "conflict").await;
    let (status, stored) = json_body(app.get(&format!("/admin/contents/{id}"), Some(&room.editor.access)).await).await;
    assert_eq!((status, &stored["duration_s"], &stored["media_id"]), (StatusCode::OK, &json!(5), &json!(five)));
    let (status, updated) = json_body(patch(json!({"media_id": minute})).await).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["duration_s"], 60, "the new file's duration, not the old one's");
    let (status, updated) = json_body(patch(json!({"title": "一分钟", "duration_s": 59})).await).await;
    assert_eq!((status, &updated["duration_s"]), (StatusCode::OK, &json!(60)), "{updated}");
}

#[tokio::test]
async fn inline_images_are_visible_while_a_visible_article_shows_them_in_any_locale() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let learner = app.register("image_reader").await;
    let upload = |bytes: &'static [u8]| {
        let (app, token) = (&app, room.editor.access.clone());
        async move {
            let (status, media) = json_body(app.upload(&token, bytes, "image.jpg", "image/jpeg").await).await;
            assert_eq!(status, StatusCode::CREATED, "{media}");
            media["id"].as_i64().unwrap()
        }
    };
    let image = upload(POSTER).await;
    let mut other_bytes = POSTER.to_vec();
    other_bytes.extend_from_slice(b"another file");
    let english_image = upload(Box::leak(other_bytes.into_boxed_slice())).await;
    let status_of = |id: i64, token: Option<String>| {
        let app = &app;
        async move { app.get(&format!("/media/{id}"), token.as_deref()).await.status() }
    };
    let first = app.draft_article(&room, "图文一", &format!("开头\n\n![图](/api/v1/media/{image})\n")).await;
    let res = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/admin/contents/{first}/translations/en"),
            Some(&room.editor.access),
            &json!({"title": "Picture", "summary": "s", "body_markdown": format!("![pic](https://cdn.example/api/v1/media/{english_image})")}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let second = app.draft_article(&room, "图文二", &format!("![同一张](/api/v1/media/{image})")).await;
    // Drafts show nothing to learners; the editor sees the files.
    for id in [image, english_image] {
        assert_eq!(status_of(id, None).await, StatusCode::NOT_FOUND);
        assert_eq!(status_of(id, Some(learner.access.clone())).await, StatusCode::NOT_FOUND);
        assert_eq!(status_of(id, Some(room.editor.access.clone())).await, StatusCode::OK);
    }
    app.publish(&room, first, None).await;
    app.publish(&room, second, None).await;
    for id in [image, english_image] {
        assert_eq!(status_of(id, None).await, StatusCode::OK, "media {id} once published");
        assert_eq!(status_of(id, Some(learner.access.clone())).await, StatusCode::OK);
    }
    let mut conn = app.db();
    let refs: Vec<(i64, i64)> = {
        use diesel::prelude::*;
        use tongxin::db::schema::content_media;
        content_media::table
            .select((content_media::content_id, content_media::media_id))
            .order((content_media::content_id, content_media::media_id))
            .load(&mut conn)
            .unwrap()
    };
    let mut expected = vec![(first, image), (first, english_image), (second, image)];
    expected.sort_unstable();
    assert_eq!(refs, expected);
    // Withdrawing the first article hides its English image; the shared one stays while
    // the second article shows it, and goes with it.
    let archive = |id: i64| {
        let (app, token) = (&app, room.reviewer.access.clone());
        async move {
            app.request(reqwest::Method::DELETE, &format!("/admin/contents/{id}"), Some(&token)).send().await.unwrap()
        }
    };
    assert!(archive(first).await.status().is_success());
    assert_eq!(status_of(english_image, None).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(image, None).await, StatusCode::OK);
    assert!(archive(second).await.status().is_success());
    assert_eq!(status_of(image, None).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(image, Some(room.editor.access.clone())).await, StatusCode::OK);
}

#[tokio::test]
async fn an_image_added_by_a_pending_revision_stays_staff_only_until_the_change_is_approved() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let (status, media) = json_body(app.upload(&room.editor.access, POSTER, "image.jpg", "image/jpeg").await).await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    let image = media["id"].as_i64().unwrap();
    let id = app.published_article(&room, "先无图", "正文").await;
    let public_status = || async { app.get(&format!("/media/{image}"), None).await.status() };
    let body = json!({"body_markdown": format!("正文\n\n![新图](/api/v1/media/{image})")});
    let res = app.patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&format!("/admin/contents/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(public_status().await, StatusCode::NOT_FOUND, "the live text does not show it yet");
    let res = app.post_json(&format!("/admin/contents/{id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(public_status().await, StatusCode::OK, "approved, the live text shows it");
    // A later change that drops it takes it away again once approved.
    app.revise(&room, id, &json!({"body_markdown": "正文"})).await;
    assert_eq!(public_status().await, StatusCode::NOT_FOUND);
}
