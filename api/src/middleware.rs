//! Middleware: the JSON error shape for failures that did not come from a handler (unknown
//! paths, actix's own rejections, errors returned by extractors), and the `X-Request-Id`
//! response header carrying the id `tracing-actix-web` gave the request's log span, with an
//! access-log line per request, `no-store` on answers that carry credentials, `charset=utf-8`
//! on JSON answers ([`json_charset`]) and a deadline for request bodies ([`body_deadline`]).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use tracing_actix_web::RequestId;

use crate::error::{ApiError, code_for_status, is_json, log_failure};

mod body_deadline;
mod charset;

pub use body_deadline::body_deadline;
pub use charset::{JSON_UTF8, json_charset};

/// Name of the response header that carries the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Rewrites any 4xx/5xx response whose body is not JSON into the JSON error shape, keeping
/// headers such as `Allow` and `Retry-After`, and logs it as [`log_failure`] says.
pub async fn error_shape(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Handler and extractor errors arrive here as responses; an `Err` could only come from an
    // inner middleware, and none of ours produce one.
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    // The Open311 façade answers its errors in the spec's shape, XML included.
    let open311 = res.request().path().starts_with("/open311/v2/");
    if !(status.is_client_error() || status.is_server_error()) || is_json(res.headers()) || open311
    {
        return Ok(res);
    }
    let (req, old) = res.into_parts();
    let message = match status {
        StatusCode::NOT_FOUND => format!("no resource at {}", req.path()),
        StatusCode::METHOD_NOT_ALLOWED => {
            format!("method {} is not allowed on {}", req.method(), req.path())
        }
        other => other.canonical_reason().unwrap_or("error").to_owned(),
    };
    let error = ApiError::new(status, code_for_status(status), message);
    // Not an `ApiError` answered by a handler, so not logged yet: logged here, once.
    let cause = old.error().map(|e| anyhow::Error::msg(e.to_string()));
    log_failure(status, Some(error.code), &error.message, cause.as_ref());
    let mut new = HttpResponse::build(status).json(error.body());
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, new))
}

/// Answers that carry credentials (`/v1/auth/…`: tokens, refresh tokens) are never stored by
/// a browser or a proxy: `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1), on
/// every answer of those routes, errors included.
pub async fn no_store_for_credentials(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let credentials = req.path().starts_with("/v1/auth/");
    let mut res = next.call(req).await?;
    if credentials {
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    Ok(res)
}

/// Copies the request id into the `X-Request-Id` response header and writes one access-log
/// line per request (method, path without the query string, status, milliseconds) inside the
/// request's span, so it carries the request id.
pub async fn request_id_and_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let started = std::time::Instant::now();
    let mut res = next.call(req).await?;
    tracing::info!(
        %method,
        %path,
        status = res.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}
