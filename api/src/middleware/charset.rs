//! Every JSON answer names its charset: `Content-Type: application/json; charset=utf-8`
//! (actix's `HttpResponse::json` says `application/json` alone), whoever built the answer —
//! handlers, the error shape, the Open311 façade. XML answers name theirs where they are made.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The `Content-Type` of every JSON answer.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";

/// Adds `charset=utf-8` to answers whose type is `application/json` without a charset.
pub async fn json_charset(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    let bare_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.split(';').next().map(str::trim) == Some("application/json") && !v.contains("charset")
        });
    if bare_json {
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    }
    Ok(res)
}
