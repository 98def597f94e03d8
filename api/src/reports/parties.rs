//! `GET|POST /v1/reports/{id}/parties` and `DELETE /v1/reports/{id}/parties/{party}`: the
//! parties to a mediation case (申请人, 被申请人, others). The rule of who may read and change
//! them is `cunxiang_core::mediation`; phones are masked except for admins, and nothing of a
//! party goes into the timeline, the push outbox or the logs.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use cunxiang_core::identity::mask_phone;
use cunxiang_core::lifecycle::Standing;
use cunxiang_core::mediation::{self, MAX_PARTIES, PartyRefusal, PartyRole};
use cunxiang_core::{Permission, ReportId, Target, UserId, Workflow};
use cunxiang_storage::DbConn;
use cunxiang_storage::mediation::Party;
use cunxiang_storage::reports::Report;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::visible;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::lifecycle::standing::standing;
use crate::state::AppState;

/// A party as the API shows it.
#[derive(Debug, Serialize)]
pub struct PartyView {
    id: Uuid,
    role: PartyRole,
    name: String,
    /// Full for admins, `138****1234` for everyone else.
    phone: Option<String>,
    relation: Option<String>,
    added_by: UserId,
    created_at: DateTime<Utc>,
}

impl PartyView {
    fn of(p: Party, full_phone: bool) -> Self {
        PartyView {
            id: p.id,
            role: p.role,
            name: p.name,
            phone: p.phone.map(|phone| {
                if full_phone {
                    phone
                } else {
                    mask_phone(&phone)
                }
            }),
            relation: p.relation,
            added_by: p.added_by,
            created_at: p.created_at,
        }
    }
}

/// Response of `GET /v1/reports/{id}/parties`.
#[derive(Debug, Serialize)]
pub struct PartyList {
    items: Vec<PartyView>,
}

/// Body of `POST /v1/reports/{id}/parties`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewParty {
    role: String,
    name: String,
    phone: Option<String>,
    relation: Option<String>,
}

/// The mediation case `id` as `me` stands to it: 404 when she may not see it, 409
/// `not_mediation` when its category is not worked as a mediation case.
fn case(conn: &mut DbConn, me: &AuthUser, id: ReportId) -> Result<(Report, Standing), ApiError> {
    let (report, _) = visible(conn, me, id)?;
    let workflow = cunxiang_storage::categories::find(conn, &report.category)?
        .map_or(Workflow::Standard, |c| c.workflow);
    if workflow != Workflow::Mediation {
        return Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            ErrorCode::NotMediation,
            format!("report {id} is not a mediation case"),
        ));
    }
    let standing = standing(conn, &me.actor, &report, true)?;
    Ok((report, standing))
}

fn change_refused(refusal: PartyRefusal) -> ApiError {
    match refusal {
        PartyRefusal::NotMediator => {
            ApiError::forbidden("only the case's mediators may change its parties")
        }
        PartyRefusal::NotInMediation(status) => ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            ErrorCode::InvalidStatus,
            format!(
                "parties change only while the case is being mediated (accepted), not {}",
                status.as_str()
            ),
        ),
    }
}

fn full_phone(me: &AuthUser) -> bool {
    cunxiang_core::can(&me.actor, Permission::ReadPhone, &Target::Deployment)
}

/// `GET /v1/reports/{id}/parties`: the case's parties, for its mediators, their overseers
/// and admins.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<ReportId>,
) -> Result<web::Json<PartyList>, ApiError> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| {
            let (_, standing) = case(conn, &me, id)?;
            if !mediation::may_read_parties(&standing) {
                return Err(ApiError::forbidden(
                    "only the case's mediators, their supervisors and admins see its parties",
                ));
            }
            let full = full_phone(&me);
            let items = cunxiang_storage::mediation::of_report(conn, id)?
                .into_iter()
                .map(|p| PartyView::of(p, full))
                .collect();
            Ok(PartyList { items })
        })
        .await?;
    Ok(web::Json(list))
}

/// `POST /v1/reports/{id}/parties`: a mediator adds a party while the case is being mediated.
pub async fn add(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<ReportId>,
    body: web::Json<NewParty>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let role = PartyRole::parse(&b.role).ok_or_else(|| {
        ApiError::invalid_field("role", "role must be applicant, respondent or other")
    })?;
    let details = mediation::check_party(role, &b.name, b.phone.as_deref(), b.relation.as_deref())
        .map_err(|bad| ApiError::invalid_field(bad.field, bad.message))?;
    let now = state.clock.now();
    let view = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                // Lock the case so concurrent additions count each other.
                cunxiang_storage::reports::change::lock(conn, id)?;
                let (report, standing) = case(conn, &me, id)?;
                mediation::may_change_parties(&standing, report.status).map_err(change_refused)?;
                let count = cunxiang_storage::mediation::count_of_report(conn, id)?;
                if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_PARTIES {
                    return Err(ApiError::new(
                        actix_web::http::StatusCode::CONFLICT,
                        ErrorCode::TooManyParties,
                        format!("a case carries at most {MAX_PARTIES} parties"),
                    ));
                }
                let party =
                    cunxiang_storage::mediation::insert(conn, id, &details, me.user.id, now)?;
                Ok(PartyView::of(party, full_phone(&me)))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// `DELETE /v1/reports/{id}/parties/{party}`: a mediator removes a party added by mistake.
pub async fn remove(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<(ReportId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, party) = path.into_inner();
    state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                cunxiang_storage::reports::change::lock(conn, id)?;
                let (report, standing) = case(conn, &me, id)?;
                mediation::may_change_parties(&standing, report.status).map_err(change_refused)?;
                if cunxiang_storage::mediation::delete(conn, id, party)? {
                    Ok(())
                } else {
                    Err(ApiError::not_found(
                        ErrorCode::PartyNotFound,
                        format!("no party {party} on report {id}"),
                    ))
                }
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
