//! The staff console: static files (HTML, ES modules, CSS, the vendored UI library) in
//! `src/console/`, embedded in the binary at compile time and served at `/console/`.
//!
//! The console is a client of `/api/v1` like the mobile app: nothing here reads the
//! database or the domain. It is not API, so it is not in the OpenAPI document (the
//! routes are added to the actix `App` beside `/docs`, outside utoipa's registration).
//!
//! Routing is the browser's (History API): a path under `/console/` that names no file and
//! has no extension gets `index.html`, so a deep link or a reload lands on its page. A path
//! with an extension that names no file is a 404, so a missing module fails loudly.
//!
//! Every answer carries a strict Content-Security-Policy (no inline script or style, no
//! other origin), `nosniff` and `Referrer-Policy: no-referrer`. File names carry no hash,
//! so every file is `Cache-Control: no-cache` with a strong `ETag` (the content's sha256):
//! the browser revalidates and gets a bodiless 304 when nothing changed.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest as _, Sha256};

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `embedded!["a.js", "pages/b.js"]`: each file of `src/console/` with its bytes.
macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("console/", $name)) as &[u8])),*]
    };
}

/// Every file of `src/console/` (a test checks that none is missing from this list).
pub const FILES: &[(&str, &[u8])] = embedded![
    "index.html",
    "console.css",
    "app.js",
    "api.js",
    "auth.js",
    "drafts.js",
    "format.js",
    "i18n.js",
    "i18n/en.js",
    "i18n/zh-Hans.js",
    "nav.js",
    "router.js",
    "ui.js",
    "pages/contents.js",
    "pages/members.js",
    "pages/progress.js",
    "pages/review.js",
    "pages/roster.js",
    "pages/sign_in.js",
    "vendor/hooks.mjs",
    "vendor/htm.mjs",
    "vendor/preact.mjs",
    "vendor/VERSIONS.json",
    "vendor/LICENSE-htm",
    "vendor/LICENSE-preact",
];

struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    etag: String,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "text/plain; charset=utf-8",
    }
}

fn assets() -> &'static [(&'static str, Asset)] {
    static ASSETS: OnceLock<Vec<(&'static str, Asset)>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        FILES
            .iter()
            .map(|&(name, bytes)| {
                let etag = format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..32]);
                (name, Asset { bytes, content_type: content_type(name), etag })
            })
            .collect()
    })
}

fn find(name: &str) -> Option<&'static Asset> {
    assets().iter().find(|(n, _)| *n == name).map(|(_, asset)| asset)
}

fn secure(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// `GET /console/{path}`: a file, `index.html` for a page path, or 404.
async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    let last = path.rsplit('/').next().unwrap_or_default();
    let asset = match find(&path) {
        Some(asset) => asset,
        None if path.is_empty() || !last.contains('.') => match find("index.html") {
            Some(asset) => asset,
            None => return secure(HttpResponse::NotFound().finish()),
        },
        None => {
            return secure(crate::error::problem_response(
                actix_web::http::StatusCode::NOT_FOUND,
                "not_found",
                "No such console file.".to_owned(),
                None,
            ));
        }
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == asset.etag || tag.trim() == "*"));
    let mut response = if fresh { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response.insert_header((header::ETAG, asset.etag.as_str())).insert_header((header::CACHE_CONTROL, "no-cache"));
    if fresh {
        return secure(response.finish());
    }
    secure(response.content_type(asset.content_type).body(asset.bytes))
}

/// Routes `/console` (a redirect to `/console/`) and everything under `/console/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console").route(web::get().to(|| async {
        secure(HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/console/")).finish())
    })))
    .service(web::resource("/console/{path:.*}").route(web::get().to(serve)));
}
