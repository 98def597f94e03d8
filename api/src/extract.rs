//! Extractor configuration: malformed or oversized JSON, bad query strings and bad path
//! segments answer with the JSON error shape and the right status instead of actix's text.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use serde_json::json;

use crate::error::{ApiError, ErrorCode};

/// JSON bodies: at most `limit` bytes (413 beyond), `application/json` only (415), well-formed
/// (400 with the parser's position) and of the right shape (422).
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req: &HttpRequest| {
            let api = match &err {
                JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    format!("request body of {length} bytes is larger than the limit of {limit}"),
                )
                .with_details(json!({ "limit": limit })),
                JsonPayloadError::Overflow { limit } => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    format!("request body is larger than the limit of {limit} bytes"),
                )
                .with_details(json!({ "limit": limit })),
                JsonPayloadError::ContentType => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorCode::UnsupportedMediaType,
                    "request body must be application/json",
                ),
                JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::InvalidBody,
                    format!("request body does not have the expected fields: {e}"),
                ),
                JsonPayloadError::Deserialize(e) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::MalformedJson,
                    format!("request body is not valid JSON: {e}"),
                )
                .with_details(json!({ "line": e.line(), "column": e.column() })),
                other => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    format!("request body: {other}"),
                ),
            };
            api.into()
        })
}

/// Query strings that do not parse answer 400 `invalid_query`.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let QueryPayloadError::Deserialize(e) = &err else {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidQuery,
                err.to_string(),
            )
            .into();
        };
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            format!("query string: {e}"),
        )
        .into()
    })
}

/// Form bodies (`/v1/auth/token`) that do not parse answer 400 `invalid_body`.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(16 * 1024)
        .error_handler(|err, _req| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidBody,
                format!("form body: {err}"),
            )
            .into()
        })
}

/// Path segments that do not parse answer 404 `not_found` (the resource cannot exist).
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        let message = match &err {
            PathError::Deserialize(e) => format!("no resource at {}: {e}", req.path()),
            other => format!("no resource at {}: {other}", req.path()),
        };
        ApiError::not_found(ErrorCode::NotFound, message).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, test};

    async fn echo(body: web::Json<serde_json::Map<String, serde_json::Value>>) -> String {
        body.len().to_string()
    }

    async fn post(body: &'static str, content_type: &str) -> (u16, serde_json::Value) {
        let app = test::init_service(
            App::new()
                .app_data(json_config(64))
                .route("/echo", web::post().to(echo)),
        )
        .await;
        let req = test::TestRequest::post()
            .uri("/echo")
            .insert_header(("content-type", content_type))
            .set_payload(body)
            .to_request();
        let res = test::call_service(&app, req).await;
        let status = res.status().as_u16();
        let body = test::read_body(res).await;
        (status, serde_json::from_slice(&body).unwrap_or(json!(null)))
    }

    #[actix_web::test]
    async fn json_failures_have_the_error_shape_and_status() {
        let (s, b) = post("{\"a\":", "application/json").await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (400, Some(ErrorCode::MalformedJson.as_str()))
        );
        assert!(b["error"]["details"]["line"].is_number());
        let (s, b) = post("[1,2]", "application/json").await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (422, Some(ErrorCode::InvalidBody.as_str()))
        );
        let big =
            "{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
        let (s, b) = post(big, "application/json").await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (413, Some(ErrorCode::PayloadTooLarge.as_str()))
        );
        let (s, b) = post("{}", "text/plain").await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (415, Some(ErrorCode::UnsupportedMediaType.as_str()))
        );
        let (s, _) = post("{\"a\":1}", "application/json").await;
        assert_eq!(s, 200);
    }
}
