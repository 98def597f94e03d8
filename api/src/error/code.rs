//! The vocabulary of `error.code`: every machine-readable code an error body can carry, and
//! its snake_case name. `openapi.yaml` lists exactly these words (`ErrorCode` schema).

/// A stable machine-readable error code, sent as `error.code`. Grouped by the status it
/// usually answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // 400
    /// A request actix refused before any handler ran, or a body that could not be read.
    BadRequest,
    /// A query parameter is malformed; `details.parameter` names it.
    InvalidParameter,
    /// The query string does not parse into the route's parameters.
    InvalidQuery,
    /// The body is not valid JSON (or, for a grid import, not UTF-8).
    MalformedJson,
    /// A photo upload's `multipart/form-data` body is broken.
    MalformedMultipart,
    /// A photo upload has no `file` part.
    MissingFile,
    /// A photo upload's file is empty.
    EmptyFile,
    /// A photo upload carries more than one file.
    OneFilePerRequest,
    /// `POST /v1/reports` without an `Idempotency-Key` header.
    MissingIdempotencyKey,
    /// A phone number that is not an 11-digit mainland mobile number (OTP log-in).
    InvalidPhone,
    /// The WeChat `wx.login` code is missing or too long (400), or WeChat refused it (401).
    InvalidWechatCode,
    /// `POST /v1/auth/token` with a grant type other than `client_credentials`.
    UnsupportedGrantType,
    /// A client asked for a scope it was not granted.
    InvalidScope,
    /// The path, a query parameter (400) or the body (422) holds a control character.
    ControlCharacter,
    // 401
    /// Any other 401 actix answers itself.
    Unauthorized,
    /// The route needs a bearer token and none was sent.
    Unauthenticated,
    /// The access token is invalid, expired, forged or revoked, or its account or client is
    /// gone.
    InvalidToken,
    /// The refresh token is invalid, used or expired.
    InvalidRefreshToken,
    /// Wrong username or password.
    InvalidCredentials,
    /// The SMS log-in code is wrong, used or expired.
    InvalidCode,
    /// Unknown client or wrong client secret.
    InvalidClient,
    /// The account is disabled (401 on a token, 403 at log-in).
    AccountDisabled,
    /// The API client is disabled.
    ClientDisabled,
    // 403
    /// Authenticated, but not allowed to do this.
    Forbidden,
    /// A staff account tried to log in with an SMS or WeChat code.
    PasswordRequired,
    /// 代办 for a phone number that belongs to a staff account.
    NotAVillager,
    /// A client filed a report that routing would send outside the region it serves.
    OutsideRegion,
    // 404
    /// No resource at this path, no such report (or one the caller may not see), or a
    /// generic missing row.
    NotFound,
    /// No such region.
    RegionNotFound,
    /// No such unit.
    UnitNotFound,
    /// No such user.
    UserNotFound,
    /// No such category.
    CategoryNotFound,
    /// No such grid.
    GridNotFound,
    /// No such API client.
    ClientNotFound,
    /// No such webhook.
    WebhookNotFound,
    /// No such delivery.
    DeliveryNotFound,
    /// No such routing rule.
    RuleNotFound,
    /// No such photo (or the caller may not see it).
    MediaNotFound,
    /// No such party on this mediation case.
    PartyNotFound,
    /// No such patrol checklist.
    ChecklistNotFound,
    // 405, 406, 408, 411, 413, 414, 415, 431: actix's own refusals
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// The `Accept` header names nothing the route can answer.
    NotAcceptable,
    /// The request took too long to arrive (actix's own timeout).
    RequestTimeout,
    /// The request body did not finish arriving within its deadline.
    BodyTimeout,
    /// A body without a length where one is needed.
    LengthRequired,
    /// The body (a JSON document, a photo, a grid import) is larger than its limit.
    PayloadTooLarge,
    /// The request URI is too long.
    UriTooLong,
    /// The body's media type is not accepted here (also a photo that is not a JPEG, PNG or
    /// WebP image).
    UnsupportedMediaType,
    /// The request headers are too large.
    RequestHeaderFieldsTooLarge,
    // 409
    /// A generic conflict with stored state (a phone number or username already taken).
    Conflict,
    /// The report changed since the caller read it; `details.version` is the current one.
    VersionConflict,
    /// The report is in the wrong status for the action.
    InvalidStatus,
    /// The report was already rated.
    AlreadyRated,
    /// The window for reopening a resolved report has passed.
    ReopenWindowPassed,
    /// A supervision reply with no open supervision order.
    NoOpenOrder,
    /// The supervision order was already closed.
    OrderClosed,
    /// Escalation from the top of the ladder: there is no level above.
    NoLevelAbove,
    /// No unit is in charge of the report for this action.
    NoHandler,
    /// A photo already belongs to another report.
    MediaTaken,
    /// The `Idempotency-Key` was used for a different report (also, inside intake only, a
    /// concurrent request took the key first; intake then answers as a retry).
    IdempotencyKeyReused,
    /// A delivery that is neither dead nor refused cannot be retried.
    NotRetryable,
    /// A mediation action on a report whose category is not worked as a mediation case.
    NotMediation,
    /// A mediation case already has the most parties it may carry.
    TooManyParties,
    /// `resolve` on a mediation case, which is concluded instead.
    MediatedCase,
    /// The mediation session was recorded already.
    SessionRecorded,
    /// The mediation session's time has not come.
    SessionNotHeld,
    /// A follow-up, but no agreement of the case awaits one.
    NoFollowUpDue,
    /// A category with this code already exists.
    CategoryExists,
    /// Active routing rules still send reports to the unit.
    UnitInUse,
    /// The region is still referenced and cannot be deleted.
    RegionInUse,
    // 422
    /// Any other 422 actix answers itself.
    UnprocessableEntity,
    /// A body field is missing or invalid; `details.field` names it.
    InvalidField,
    /// The body does not have the expected fields (wrong shape or types).
    InvalidBody,
    /// The action needs evidence photos (`details.field` is `media_ids`).
    EvidenceRequired,
    /// A time parameter outside the supported range.
    OutOfRange,
    /// A body names a unit that does not exist.
    UnknownUnit,
    /// A body names a category that does not exist.
    UnknownCategory,
    /// Some features of a grid import have problems; `details.features` lists them.
    InvalidGrids,
    /// A photo has more pixels than allowed.
    TooManyPixels,
    /// A photo would decode into more memory than allowed.
    ImageTooLarge,
    /// A photo's bytes could not be decoded.
    CorruptImage,
    // 429
    /// Any other 429 actix answers itself.
    TooManyRequests,
    /// An API client exceeded its request rate.
    RateLimited,
    /// Too many failed password log-ins.
    TooManyAttempts,
    /// Too many SMS log-in codes requested.
    TooManyCodes,
    /// The caller already holds the most live event streams allowed.
    TooManyStreams,
    // 5xx
    /// A bug or an unexpected failure; the cause is logged, never sent.
    InternalError,
    /// The database is unreachable, not migrated or busy (then with `Retry-After`).
    Unavailable,
    /// WeChat log-in is not configured on this server.
    WechatNotConfigured,
    /// WeChat could not be reached or failed.
    WechatUnavailable,
    /// The SMS provider failed.
    SmsUnavailable,
    // other
    /// A status actix answers itself that no other code covers.
    Error,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 92] = [
        Self::BadRequest,
        Self::InvalidParameter,
        Self::InvalidQuery,
        Self::MalformedJson,
        Self::MalformedMultipart,
        Self::MissingFile,
        Self::EmptyFile,
        Self::OneFilePerRequest,
        Self::MissingIdempotencyKey,
        Self::InvalidPhone,
        Self::InvalidWechatCode,
        Self::UnsupportedGrantType,
        Self::InvalidScope,
        Self::ControlCharacter,
        Self::Unauthorized,
        Self::Unauthenticated,
        Self::InvalidToken,
        Self::InvalidRefreshToken,
        Self::InvalidCredentials,
        Self::InvalidCode,
        Self::InvalidClient,
        Self::AccountDisabled,
        Self::ClientDisabled,
        Self::Forbidden,
        Self::PasswordRequired,
        Self::NotAVillager,
        Self::OutsideRegion,
        Self::NotFound,
        Self::RegionNotFound,
        Self::UnitNotFound,
        Self::UserNotFound,
        Self::CategoryNotFound,
        Self::GridNotFound,
        Self::ClientNotFound,
        Self::WebhookNotFound,
        Self::DeliveryNotFound,
        Self::RuleNotFound,
        Self::MediaNotFound,
        Self::PartyNotFound,
        Self::ChecklistNotFound,
        Self::MethodNotAllowed,
        Self::NotAcceptable,
        Self::RequestTimeout,
        Self::BodyTimeout,
        Self::LengthRequired,
        Self::PayloadTooLarge,
        Self::UriTooLong,
        Self::UnsupportedMediaType,
        Self::RequestHeaderFieldsTooLarge,
        Self::Conflict,
        Self::VersionConflict,
        Self::InvalidStatus,
        Self::AlreadyRated,
        Self::ReopenWindowPassed,
        Self::NoOpenOrder,
        Self::OrderClosed,
        Self::NoLevelAbove,
        Self::NoHandler,
        Self::MediaTaken,
        Self::IdempotencyKeyReused,
        Self::NotRetryable,
        Self::NotMediation,
        Self::TooManyParties,
        Self::MediatedCase,
        Self::SessionRecorded,
        Self::SessionNotHeld,
        Self::NoFollowUpDue,
        Self::CategoryExists,
        Self::UnitInUse,
        Self::RegionInUse,
        Self::UnprocessableEntity,
        Self::InvalidField,
        Self::InvalidBody,
        Self::EvidenceRequired,
        Self::OutOfRange,
        Self::UnknownUnit,
        Self::UnknownCategory,
        Self::InvalidGrids,
        Self::TooManyPixels,
        Self::ImageTooLarge,
        Self::CorruptImage,
        Self::TooManyRequests,
        Self::RateLimited,
        Self::TooManyAttempts,
        Self::TooManyCodes,
        Self::TooManyStreams,
        Self::InternalError,
        Self::Unavailable,
        Self::WechatNotConfigured,
        Self::WechatUnavailable,
        Self::SmsUnavailable,
        Self::Error,
    ];

    /// The snake_case name sent as `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidParameter => "invalid_parameter",
            Self::InvalidQuery => "invalid_query",
            Self::MalformedJson => "malformed_json",
            Self::MalformedMultipart => "malformed_multipart",
            Self::MissingFile => "missing_file",
            Self::EmptyFile => "empty_file",
            Self::OneFilePerRequest => "one_file_per_request",
            Self::MissingIdempotencyKey => "missing_idempotency_key",
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidWechatCode => "invalid_wechat_code",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::ControlCharacter => "control_character",
            Self::Unauthorized => "unauthorized",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidToken => "invalid_token",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidCode => "invalid_code",
            Self::InvalidClient => "invalid_client",
            Self::AccountDisabled => "account_disabled",
            Self::ClientDisabled => "client_disabled",
            Self::Forbidden => "forbidden",
            Self::PasswordRequired => "password_required",
            Self::NotAVillager => "not_a_villager",
            Self::OutsideRegion => "outside_region",
            Self::NotFound => "not_found",
            Self::RegionNotFound => "region_not_found",
            Self::UnitNotFound => "unit_not_found",
            Self::UserNotFound => "user_not_found",
            Self::CategoryNotFound => "category_not_found",
            Self::GridNotFound => "grid_not_found",
            Self::ClientNotFound => "client_not_found",
            Self::WebhookNotFound => "webhook_not_found",
            Self::DeliveryNotFound => "delivery_not_found",
            Self::RuleNotFound => "rule_not_found",
            Self::MediaNotFound => "media_not_found",
            Self::PartyNotFound => "party_not_found",
            Self::ChecklistNotFound => "checklist_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::NotAcceptable => "not_acceptable",
            Self::RequestTimeout => "request_timeout",
            Self::BodyTimeout => "body_timeout",
            Self::LengthRequired => "length_required",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UriTooLong => "uri_too_long",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RequestHeaderFieldsTooLarge => "request_header_fields_too_large",
            Self::Conflict => "conflict",
            Self::VersionConflict => "version_conflict",
            Self::InvalidStatus => "invalid_status",
            Self::AlreadyRated => "already_rated",
            Self::ReopenWindowPassed => "reopen_window_passed",
            Self::NoOpenOrder => "no_open_order",
            Self::OrderClosed => "order_closed",
            Self::NoLevelAbove => "no_level_above",
            Self::NoHandler => "no_handler",
            Self::MediaTaken => "media_taken",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::NotRetryable => "not_retryable",
            Self::NotMediation => "not_mediation",
            Self::TooManyParties => "too_many_parties",
            Self::MediatedCase => "mediated_case",
            Self::SessionRecorded => "session_recorded",
            Self::SessionNotHeld => "session_not_held",
            Self::NoFollowUpDue => "no_follow_up_due",
            Self::CategoryExists => "category_exists",
            Self::UnitInUse => "unit_in_use",
            Self::RegionInUse => "region_in_use",
            Self::UnprocessableEntity => "unprocessable_entity",
            Self::InvalidField => "invalid_field",
            Self::InvalidBody => "invalid_body",
            Self::EvidenceRequired => "evidence_required",
            Self::OutOfRange => "out_of_range",
            Self::UnknownUnit => "unknown_unit",
            Self::UnknownCategory => "unknown_category",
            Self::InvalidGrids => "invalid_grids",
            Self::TooManyPixels => "too_many_pixels",
            Self::ImageTooLarge => "image_too_large",
            Self::CorruptImage => "corrupt_image",
            Self::TooManyRequests => "too_many_requests",
            Self::RateLimited => "rate_limited",
            Self::TooManyAttempts => "too_many_attempts",
            Self::TooManyCodes => "too_many_codes",
            Self::TooManyStreams => "too_many_streams",
            Self::InternalError => "internal_error",
            Self::Unavailable => "unavailable",
            Self::WechatNotConfigured => "wechat_not_configured",
            Self::WechatUnavailable => "wechat_unavailable",
            Self::SmsUnavailable => "sms_unavailable",
            Self::Error => "error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// `ALL` is in declaration order with nothing left out before the last variant, and no
    /// two codes share a name.
    #[test]
    fn all_lists_every_code_once() {
        for (i, code) in ErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(code as usize, i, "{code} is out of place in ALL");
        }
        assert_eq!(ErrorCode::ALL.len(), ErrorCode::Error as usize + 1);
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }
}
