//! The browser screens this binary serves: the console at `/console/`, the villager's page
//! (随手拍) at `/h5/`, the public village board at `/board/{region code}` and their shared files
//! at `/static/` — all from `api/web`,
//! embedded at compile time (no Node at build or run time, nothing to install). Every page
//! talks only to the public API.
//!
//! Each answer carries a strict Content-Security-Policy: scripts only from this origin (no
//! inline scripts, no `eval`), requests only to this origin, images from this origin and the
//! `data:`/`blob:` URLs a chart or a camera preview makes. Style *attributes* are allowed
//! (`style-src-attr 'unsafe-inline'`): ECharts positions its tooltips with them; style
//! sheets still come only from this origin. Files are revalidated by their SHA-256 ETag, so
//! a new release is seen at once and an unchanged file costs a 304.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

/// The files under `api/web`: `console/`, `h5/`, `board/`, `shared/`, `vendor/`.
#[derive(RustEmbed)]
#[folder = "web/"]
struct Files;

/// The policy of every page and file served here.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
    font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The board is opened in mini-programs' web-views and may be framed by a village's own
/// site; otherwise the same policy.
const BOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'";

/// Adds the screens' routes to the app (outside the API's route table: these are pages, not
/// part of `openapi.yaml`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/console",
        web::get().to(|| async { redirect("/console/") }),
    )
    .route("/console/", web::get().to(console_index))
    .route("/console/{file:.+}", web::get().to(console_file))
    .route("/h5", web::get().to(|| async { redirect("/h5/") }))
    .route("/h5/", web::get().to(h5_index))
    .route("/h5/{file:.+}", web::get().to(h5_file))
    .route("/board/{code}", web::get().to(board))
    .route("/static/{file:.+}", web::get().to(shared_file))
    .route("/", web::get().to(|| async { redirect("/console/") }));
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, to))
        .finish()
}

async fn console_index(req: HttpRequest) -> HttpResponse {
    serve(&req, "console/index.html", CSP)
}

async fn console_file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &format!("console/{}", path.into_inner()), CSP)
}

async fn h5_index(req: HttpRequest) -> HttpResponse {
    serve(&req, "h5/index.html", CSP)
}

async fn h5_file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &format!("h5/{}", path.into_inner()), CSP)
}

async fn board(req: HttpRequest) -> HttpResponse {
    serve(&req, "board/index.html", BOARD_CSP)
}

async fn shared_file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    if !(path.starts_with("shared/") || path.starts_with("vendor/")) {
        return not_found();
    }
    serve(&req, &path, CSP)
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("application/json")
        .body(r#"{"error":{"code":"not_found","message":"no such page","details":{}}}"#)
}

/// One embedded file with its type, ETag and the security headers; 304 when the client holds
/// it already, 404 for anything not embedded (no directory listing, no `..`).
fn serve(req: &HttpRequest, path: &str, csp: &'static str) -> HttpResponse {
    if path
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return not_found();
    }
    let Some(file) = Files::get(path) else {
        return not_found();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut answer = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if fresh {
        return answer.finish();
    }
    answer
        .content_type(content_type(path, file.metadata.mimetype()))
        .body(file.data.into_owned())
}

/// The type to send: text types carry their charset, ES modules are JavaScript.
fn content_type(path: &str, guessed: &str) -> String {
    if path.ends_with(".mjs") || path.ends_with(".js") {
        return "text/javascript; charset=utf-8".to_owned();
    }
    if guessed.starts_with("text/") || guessed == "application/json" {
        return format!("{guessed}; charset=utf-8");
    }
    guessed.to_owned()
}
