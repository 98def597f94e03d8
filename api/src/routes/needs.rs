//! Who may call a route at all, checked before its body is read: a route in the table that
//! needs a permission refuses callers whose role could never hold it (401 without a token,
//! 403 for the wrong role or an API client) before any extractor parses the body, so a
//! villager probing an admin route learns nothing about its body's shape. The handler still
//! checks the permission on its target; this is the coarse, role-only half.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage};
use cunxiang_core::{Permission, may_ever};

use crate::auth::Caller;
use crate::error::ApiError;

/// Authenticates the caller and refuses her unless her role may ever hold `permission`; the
/// caller is kept in the request so the handler's extractor does not authenticate again.
pub async fn gate(
    permission: Permission,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let caller = match Caller::from_request(req.request(), &mut Payload::None).await {
        Ok(caller) => caller,
        Err(refused) => return Ok(refuse(req, refused)),
    };
    let refused = match &caller {
        Caller::User(user) if may_ever(user.user.role, permission) => None,
        Caller::User(user) => Some(ApiError::forbidden(format!(
            "a {} may not do this",
            user.user.role.as_str()
        ))),
        Caller::Client(_) => Some(ApiError::forbidden(
            "this route is for users, not API clients",
        )),
    };
    if let Some(refused) = refused {
        return Ok(refuse(req, refused));
    }
    req.extensions_mut().insert(caller);
    Ok(next.call(req).await?.map_into_left_body())
}

/// The refusal as a response (not an `Err`), so the app's middleware sees it like any other
/// answer (the JSON charset, the request id).
fn refuse<B>(req: ServiceRequest, refused: ApiError) -> ServiceResponse<EitherBody<B>> {
    req.error_response(refused).map_into_right_body()
}
