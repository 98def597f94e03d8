//! Category administration (admins only: categories are deployment-wide): `POST
//! /v1/categories` adds one, `PATCH /v1/categories/{code}` changes names, starting level,
//! time limits, evidence rule, order or disables it. Codes never change and categories are
//! never deleted: reports and rules refer to them; a disabled one only leaves the picker.

use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::{Category, CategoryError, Permission, RegionLevel, Target, Workflow};
use serde::Deserialize;
use serde_json::json;

use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::params::{checked_department, double_option};
use crate::state::AppState;

/// Body of `POST /v1/categories`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCategory {
    code: String,
    name: String,
    name_en: String,
    start_level: String,
    accept_within_minutes: i32,
    resolve_within_minutes: i32,
    #[serde(default)]
    evidence_required: bool,
    department: Option<String>,
    #[serde(default)]
    sort_order: i32,
    /// Whether other villagers see its reports; private unless said (disputes, petitions).
    #[serde(default)]
    public: bool,
    /// `standard` unless said; fixed once created (make a new category to change it).
    workflow: Option<String>,
}

/// Body of `PATCH /v1/categories/{code}`: any subset of the fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeCategory {
    name: Option<String>,
    name_en: Option<String>,
    start_level: Option<String>,
    accept_within_minutes: Option<i32>,
    resolve_within_minutes: Option<i32>,
    evidence_required: Option<bool>,
    #[serde(default, with = "double_option")]
    department: Option<Option<String>>,
    sort_order: Option<i32>,
    active: Option<bool>,
    public: Option<bool>,
}

fn workflow(s: Option<&str>) -> Result<Workflow, ApiError> {
    s.map_or(Ok(Workflow::Standard), |s| {
        Workflow::parse(s).ok_or_else(|| {
            ApiError::invalid_field("workflow", "workflow must be standard or mediation")
        })
    })
}

fn level(s: &str) -> Result<RegionLevel, ApiError> {
    RegionLevel::parse(s).ok_or_else(|| {
        ApiError::invalid_field(
            "start_level",
            "start_level must be group, village, township or county",
        )
    })
}

/// Checks a whole definition, naming the offending field.
fn validated(category: Category) -> Result<Category, ApiError> {
    if let Some(d) = &category.department {
        checked_department(d)?;
    }
    match category.validate() {
        Ok(()) => Ok(category),
        Err(e) => {
            let field = match &e {
                CategoryError::BadCode(_) => "code",
                CategoryError::EmptyName(_) => "name",
                CategoryError::BadLimit { field, .. } => field,
                CategoryError::PublicMediation(_) => "public",
            };
            Err(ApiError::invalid_field(field, e.to_string()))
        }
    }
}

/// Adds a category.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<CreateCategory>,
) -> Result<HttpResponse, ApiError> {
    me.require(Permission::ManageOrganisation, &Target::Deployment)?;
    let b = body.into_inner();
    let category = validated(Category {
        code: b.code,
        name: b.name.trim().to_owned(),
        name_en: b.name_en.trim().to_owned(),
        start_level: level(&b.start_level)?,
        accept_within_minutes: b.accept_within_minutes,
        resolve_within_minutes: b.resolve_within_minutes,
        evidence_required: b.evidence_required,
        department: b.department,
        sort_order: b.sort_order,
        active: true,
        public: b.public,
        workflow: workflow(b.workflow.as_deref())?,
    })?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let category = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                if cunxiang_storage::categories::find(conn, &category.code)?.is_some() {
                    return Err(ApiError::new(
                        actix_web::http::StatusCode::CONFLICT,
                        ErrorCode::CategoryExists,
                        format!("category {} already exists", category.code),
                    ));
                }
                cunxiang_storage::categories::insert(conn, &category)?;
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "category_created",
                    Some(&category.code),
                    &ip,
                    json!(category),
                )?;
                Ok(category)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(category))
}

/// Changes a category.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ChangeCategory>,
) -> Result<web::Json<Category>, ApiError> {
    me.require(Permission::ManageOrganisation, &Target::Deployment)?;
    let code = path.into_inner();
    let b = body.into_inner();
    let start_level = b.start_level.as_deref().map(level).transpose()?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let category = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                let mut c = cunxiang_storage::categories::find(conn, &code)?.ok_or_else(|| {
                    ApiError::not_found(ErrorCode::CategoryNotFound, format!("no category {code}"))
                })?;
                c.name = b.name.map_or(c.name, |n| n.trim().to_owned());
                c.name_en = b.name_en.map_or(c.name_en, |n| n.trim().to_owned());
                c.start_level = start_level.unwrap_or(c.start_level);
                c.accept_within_minutes =
                    b.accept_within_minutes.unwrap_or(c.accept_within_minutes);
                c.resolve_within_minutes =
                    b.resolve_within_minutes.unwrap_or(c.resolve_within_minutes);
                c.evidence_required = b.evidence_required.unwrap_or(c.evidence_required);
                c.department = b.department.unwrap_or(c.department);
                c.sort_order = b.sort_order.unwrap_or(c.sort_order);
                c.active = b.active.unwrap_or(c.active);
                c.public = b.public.unwrap_or(c.public);
                let c = validated(c)?;
                cunxiang_storage::categories::update(conn, &c)?;
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "category_changed",
                    Some(&c.code),
                    &ip,
                    json!(c),
                )?;
                Ok(c)
            })
        })
        .await?;
    Ok(web::Json(category))
}
