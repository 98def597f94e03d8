//! The Open311 GeoReport v2 façade under `/open311/v2/`: discovery, services (our categories),
//! service definitions, service requests (read, filtered, and created through the same intake
//! as `POST /v1/reports`, channel `open311`) and tokens. Every resource answers in `.json` and
//! `.xml`; every error is the spec's list of `{code, description}` (`<errors>` in XML).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{ContentType, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorCode, log_failure};
use crate::state::AppState;

mod api_key;
mod filing;
mod form;
mod post;
mod requests;
mod services;
mod xml;

/// The two formats the spec names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `text/xml`.
    Xml,
}

/// A resource name with its format extension (`services.json`), split.
pub fn split_format(name: &str) -> Result<(&str, Format), Open311Error> {
    let (stem, ext) = name.rsplit_once('.').ok_or_else(|| {
        Open311Error::new(
            StatusCode::NOT_FOUND,
            format!("{name}: add a format extension, .json or .xml"),
        )
    })?;
    let format = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        other => {
            return Err(Open311Error::new(
                StatusCode::BAD_REQUEST,
                format!("format {other} is not supported: use json or xml"),
            ));
        }
    };
    Ok((stem, format))
}

/// An error in the spec's shape; XML when the request asked for XML.
#[derive(Debug)]
pub struct Open311Error {
    status: StatusCode,
    description: String,
    format: Format,
    /// Extra response headers (`Retry-After`).
    headers: Vec<(&'static str, String)>,
    /// The code and cause of the [`ApiError`] this came from, for the log only.
    code: Option<ErrorCode>,
    cause: Option<Arc<anyhow::Error>>,
}

impl Open311Error {
    /// An error answered as JSON unless [`Self::in_format`] says otherwise.
    pub fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Open311Error {
            status,
            description: description.into(),
            format: Format::Json,
            headers: Vec::new(),
            code: None,
            cause: None,
        }
    }

    /// 429: the client's request rate is used up; `Retry-After` says in how many seconds
    /// (at least 1) the next request is let through.
    pub fn too_many(seconds: i64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "this api_key exceeded its request rate",
        );
        e.headers.push(("Retry-After", seconds.max(1).to_string()));
        e
    }

    /// The same error in `format`.
    pub fn in_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// 400 with a description.
    pub fn bad(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
}

impl std::fmt::Display for Open311Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.description)
    }
}

impl From<ApiError> for Open311Error {
    fn from(e: ApiError) -> Self {
        // Our own errors keep their status and headers; the description carries the message.
        let mut out = Open311Error::new(e.status, e.message);
        out.headers = e.headers;
        out.code = Some(e.code);
        out.cause = e.cause;
        out
    }
}

impl ResponseError for Open311Error {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        log_failure(
            self.status,
            self.code,
            &self.description,
            self.cause.as_deref(),
        );
        let body = json!([{ "code": self.status.as_u16(), "description": self.description }]);
        let mut res = respond(self.status, self.format, "errors", &body);
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(*name), HeaderValue::from_str(value))
            {
                res.headers_mut().insert(name, value);
            }
        }
        res
    }
}

/// A document in `format`: JSON as is, XML under `root`.
pub fn respond(status: StatusCode, format: Format, root: &str, body: &Value) -> HttpResponse {
    match format {
        Format::Json => HttpResponse::build(status).json(body),
        Format::Xml => HttpResponse::build(status)
            .content_type(ContentType(mime_xml()))
            .body(xml::document(root, body)),
    }
}

fn mime_xml() -> actix_web::mime::Mime {
    "text/xml; charset=utf-8"
        .parse()
        .unwrap_or(actix_web::mime::TEXT_XML)
}

/// The query string as pairs (repeated keys kept).
pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// `scheme://host` of this server, for absolute URLs in answers (see [`crate::origin`]:
/// forwarded headers only behind a trusted proxy).
pub fn base_url(state: &AppState, req: &HttpRequest) -> String {
    crate::origin::base_url(req, state.settings.trust_proxy)
}

/// The methods a path under the scope answers to, when it names one of the façade's
/// resources (whether or not that resource exists: `requests/{id}` for any id).
fn allowed_methods(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/open311/v2/")?;
    let mut parts = rest.split('/');
    let (first, second, more) = (parts.next()?, parts.next(), parts.next());
    match (first, second, more) {
        (name, None, _) if name.starts_with("requests.") => Some("GET, POST"),
        (name, None, _) if name.starts_with("discovery.") || name.starts_with("services.") => {
            Some("GET")
        }
        ("services" | "requests" | "tokens", Some(name), None) if name.contains('.') => Some("GET"),
        _ => None,
    }
}

/// What no route took: a resource asked with a method it does not answer to is 405 with
/// `Allow` (HEAD, PUT, DELETE…); anything else is 404 — both in the spec's error shape.
async fn not_found(req: HttpRequest) -> HttpResponse {
    let format = if req.path().ends_with(".xml") {
        Format::Xml
    } else {
        Format::Json
    };
    let Some(allow) = allowed_methods(req.path()) else {
        return Open311Error::new(
            StatusCode::NOT_FOUND,
            format!("no Open311 resource at {}", req.path()),
        )
        .in_format(format)
        .error_response();
    };
    let mut error = Open311Error::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed here: use {allow}", req.method()),
    )
    .in_format(format);
    error.headers.push(("Allow", allow.to_owned()));
    error.error_response()
}

/// Registers the façade as its own scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/open311/v2")
            .route("/{resource}", web::get().to(top_level))
            .route("/requests.{format}", web::post().to(post::create))
            .route("/services/{code}", web::get().to(services::definition))
            .route("/requests/{id}", web::get().to(requests::one))
            .route("/tokens/{token}", web::get().to(requests::token))
            .default_service(web::to(not_found)),
    );
}

/// `GET /open311/v2/{discovery|services|requests}.{format}`.
async fn top_level(
    state: web::Data<crate::state::AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Open311Error> {
    let name = path.into_inner();
    let (stem, format) = split_format(&name)?;
    let result = match stem {
        "discovery" => Ok(services::discovery(&state, &req, format)),
        "services" => services::list(&state, format).await,
        "requests" => requests::list(&state, &req, format).await,
        _ => Err(Open311Error::new(
            StatusCode::NOT_FOUND,
            format!("no Open311 resource {stem}"),
        )),
    };
    result.map_err(|e| e.in_format(format))
}
