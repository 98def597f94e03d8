//! The route table: every endpoint as (method, path, handler), in one list that both builds the
//! actix app and is compared with `openapi.yaml` by the integration tests.

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use cunxiang_core::Permission;

use crate::reports;

mod audit_log;
mod auth;
mod board;
mod categories;
mod category_admin;
mod checklist_admin;
mod checklists;
mod clients;
mod deliveries;
mod grids;
mod health;
mod locate;
mod media;
mod needs;
mod patrol_coverage;
mod patrol_marks;
mod patrols;
mod region_admin;
mod regions;
mod route_preview;
mod routing_rules;
mod stats;
mod supervision;
mod tasks;
mod unit_admin;
mod units;
mod user_admin;
mod users;
mod webhooks;

/// The contract for third-party frontends (`openapi.yaml` at the repository root), served as
/// written at `GET /openapi.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../../../openapi.yaml");

/// One endpoint: method, path template (actix and OpenAPI share the `{name}` syntax), and a
/// function that attaches the handler to a route.
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Path template.
    pub path: &'static str,
    /// The permission a caller's role must be able to hold at all, checked before the body
    /// is read (`needs::gate`); `None` for routes open to every role (or to nobody logged in).
    pub needs: Option<Permission>,
    to: Attach,
}

impl Endpoint {
    /// The same endpoint, gated on `permission` before its body is read.
    fn needs(self, permission: Permission) -> Self {
        Self {
            needs: Some(permission),
            ..self
        }
    }
}

type Attach = fn(actix_web::Route) -> actix_web::Route;

fn get(path: &'static str, to: Attach) -> Endpoint {
    Endpoint {
        method: Method::GET,
        path,
        needs: None,
        to,
    }
}

fn post(path: &'static str, to: Attach) -> Endpoint {
    Endpoint {
        method: Method::POST,
        path,
        needs: None,
        to,
    }
}

fn patch(path: &'static str, to: Attach) -> Endpoint {
    Endpoint {
        method: Method::PATCH,
        path,
        needs: None,
        to,
    }
}

fn delete(path: &'static str, to: Attach) -> Endpoint {
    Endpoint {
        method: Method::DELETE,
        path,
        needs: None,
        to,
    }
}

/// Every endpoint the server answers.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        get("/healthz", |r| r.to(health::healthz)),
        get("/readyz", |r| r.to(health::readyz)),
        get("/openapi.yaml", |r| r.to(health::openapi)),
        get("/v1/board/{region}", |r| r.to(board::board)),
        get("/v1/regions", |r| r.to(regions::list)),
        post("/v1/regions", |r| r.to(region_admin::create)).needs(Permission::ManageOrganisation),
        patch("/v1/regions/{region}", |r| r.to(region_admin::change))
            .needs(Permission::ManageOrganisation),
        delete("/v1/regions/{region}", |r| r.to(region_admin::delete))
            .needs(Permission::ManageOrganisation),
        get("/v1/grids", |r| r.to(grids::list)),
        post("/v1/grids/import", |r| r.to(grids::import)).needs(Permission::ManageOrganisation),
        get("/v1/grids/{id}", |r| r.to(grids::get)),
        patch("/v1/grids/{id}", |r| r.to(grids::change)).needs(Permission::ManageOrganisation),
        get("/v1/locate", |r| r.to(locate::locate)),
        get("/v1/units", |r| r.to(units::list)),
        post("/v1/units", |r| r.to(unit_admin::create)).needs(Permission::ManageOrganisation),
        patch("/v1/units/{id}", |r| r.to(unit_admin::change)).needs(Permission::ManageOrganisation),
        get("/v1/categories", |r| r.to(categories::list)),
        post("/v1/categories", |r| r.to(category_admin::create))
            .needs(Permission::ManageOrganisation),
        patch("/v1/categories/{code}", |r| r.to(category_admin::change))
            .needs(Permission::ManageOrganisation),
        post("/v1/auth/otp", |r| r.to(auth::request_otp)),
        post("/v1/auth/login", |r| r.to(auth::login)),
        post("/v1/auth/wechat", |r| r.to(auth::wechat_login)),
        post("/v1/auth/refresh", |r| r.to(auth::refresh)),
        post("/v1/auth/token", |r| r.to(auth::token)),
        get("/v1/me", |r| r.to(users::me)),
        get("/v1/users", |r| r.to(users::list)),
        post("/v1/users", |r| r.to(user_admin::create)).needs(Permission::ManageUser),
        get("/v1/users/{id}", |r| r.to(users::get)),
        patch("/v1/users/{id}", |r| r.to(user_admin::change)),
        get("/v1/clients", |r| r.to(clients::list)).needs(Permission::ManageClients),
        post("/v1/clients", |r| r.to(clients::create)).needs(Permission::ManageClients),
        patch("/v1/clients/{id}", |r| r.to(clients::change)).needs(Permission::ManageClients),
        post("/v1/clients/{id}/rotate", |r| r.to(clients::rotate)).needs(Permission::ManageClients),
        get("/v1/audit", |r| r.to(audit_log::list)).needs(Permission::ReadAudit),
        get("/v1/route/preview", |r| r.to(route_preview::preview))
            .needs(Permission::PreviewRouting),
        post("/v1/media", |r| r.to(media::upload)),
        get("/v1/media/{id}", |r| r.to(media::display)),
        get("/v1/media/{id}/thumb", |r| r.to(media::thumb)),
        post("/v1/reports", |r| r.to(reports::create::create)),
        get("/v1/reports", |r| r.to(reports::list::list)),
        get("/v1/reports.csv", |r| r.to(reports::export::reports_csv)),
        get("/v1/reports/nearby", |r| r.to(reports::nearby::nearby)),
        get("/v1/reports/{id}", |r| r.to(reports::get::get)),
        get("/v1/reports/{id}/events", |r| r.to(reports::events::list)),
        get("/v1/reports/{id}/actions", |r| r.to(reports::actions::list)),
        get("/v1/events", |r| r.to(reports::stream::stream)),
        post("/v1/reports/{id}/follow", |r| r.to(reports::follow::follow)),
        get("/v1/reports/{id}/parties", |r| r.to(reports::parties::list)),
        post("/v1/reports/{id}/parties", |r| r.to(reports::parties::add)),
        delete("/v1/reports/{id}/parties/{party}", |r| {
            r.to(reports::parties::remove)
        }),
        post("/v1/reports/{id}/accept", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/transfer", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/return", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/escalate", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/urge", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/supervise", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/supervise_reply", |r| {
            r.to(reports::action::act)
        }),
        post("/v1/reports/{id}/resolve", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/confirm", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/rate", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/reopen", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/reject", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/comment", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/schedule_session", |r| {
            r.to(reports::action::act)
        }),
        post("/v1/reports/{id}/record_session", |r| {
            r.to(reports::action::act)
        }),
        post("/v1/reports/{id}/conclude", |r| r.to(reports::action::act)),
        post("/v1/reports/{id}/follow_up", |r| r.to(reports::action::act)),
        get("/v1/tasks", |r| r.to(tasks::list)).needs(Permission::WorkTasks),
        get("/v1/checklists", |r| r.to(checklists::list)).needs(Permission::WorkTasks),
        get("/v1/checklists/{id}", |r| r.to(checklists::get)).needs(Permission::WorkTasks),
        post("/v1/checklists", |r| r.to(checklist_admin::create))
            .needs(Permission::ManageOrganisation),
        patch("/v1/checklists/{id}", |r| r.to(checklist_admin::change))
            .needs(Permission::ManageOrganisation),
        post("/v1/checklists/{id}/grids", |r| {
            r.to(checklist_admin::schedule)
        })
        .needs(Permission::ManageOrganisation),
        post("/v1/patrols", |r| r.to(patrols::start)).needs(Permission::WorkTasks),
        get("/v1/patrol-coverage", |r| r.to(patrol_coverage::list)).needs(Permission::WorkTasks),
        get("/v1/patrols/{id}", |r| r.to(patrols::get)).needs(Permission::WorkTasks),
        post("/v1/patrols/{id}/points", |r| r.to(patrols::add_points)).needs(Permission::WorkTasks),
        post("/v1/patrols/{id}/marks", |r| r.to(patrol_marks::mark)).needs(Permission::WorkTasks),
        post("/v1/patrols/{id}/finish", |r| r.to(patrols::finish)).needs(Permission::WorkTasks),
        delete("/v1/checklists/{id}/grids/{grid}", |r| {
            r.to(checklist_admin::unschedule)
        })
        .needs(Permission::ManageOrganisation),
        get("/v1/supervision", |r| r.to(supervision::list)).needs(Permission::Oversee),
        get("/v1/stats/summary", |r| r.to(stats::summary)).needs(Permission::ReadStats),
        get("/v1/stats/breakdown", |r| r.to(stats::breakdown)).needs(Permission::ReadStats),
        get("/v1/webhooks", |r| r.to(webhooks::list)).needs(Permission::ManageWebhooks),
        post("/v1/webhooks", |r| r.to(webhooks::create)).needs(Permission::ManageWebhooks),
        delete("/v1/webhooks/{id}", |r| r.to(webhooks::delete)).needs(Permission::ManageWebhooks),
        get("/v1/deliveries", |r| r.to(deliveries::list)).needs(Permission::ManageDeliveries),
        post("/v1/deliveries/{id}/retry", |r| r.to(deliveries::retry))
            .needs(Permission::ManageDeliveries),
        get("/v1/routing-rules", |r| r.to(routing_rules::list)).needs(Permission::PreviewRouting),
        post("/v1/routing-rules", |r| r.to(routing_rules::create))
            .needs(Permission::ManageRoutingRules),
        patch("/v1/routing-rules/{id}", |r| r.to(routing_rules::change))
            .needs(Permission::ManageRoutingRules),
    ]
}

/// Registers every endpoint, one actix resource per path so that a known path with the wrong
/// method answers 405 with an `Allow` header.
pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::open311::configure(cfg);
    let endpoints = endpoints();
    let mut paths: Vec<&'static str> = Vec::new();
    for e in &endpoints {
        if !paths.contains(&e.path) {
            paths.push(e.path);
        }
    }
    for path in paths {
        let here: Vec<&Endpoint> = endpoints.iter().filter(|e| e.path == path).collect();
        let allow = here
            .iter()
            .map(|e| e.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(path).default_service(web::to(move || {
            let allow = allow.clone();
            async move {
                HttpResponse::MethodNotAllowed()
                    .insert_header(("Allow", allow))
                    .finish()
            }
        }));
        for e in here {
            let mut route = (e.to)(web::method(e.method.clone()));
            if let Some(permission) = e.needs {
                route = route.wrap(from_fn(move |req, next| needs::gate(permission, req, next)));
            }
            resource = resource.route(route);
        }
        cfg.service(resource);
    }
}
