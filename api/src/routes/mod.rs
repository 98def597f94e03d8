//! The route table: every endpoint as (method, path, handler), in one list that both builds the
//! actix app and is compared with `openapi.yaml` by the integration tests.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

mod categories;
mod grids;
mod health;
mod params;
mod regions;
mod units;

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
    to: fn(actix_web::Route) -> actix_web::Route,
}

fn get(path: &'static str, to: fn(actix_web::Route) -> actix_web::Route) -> Endpoint {
    Endpoint {
        method: Method::GET,
        path,
        to,
    }
}

/// Every endpoint the server answers.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        get("/healthz", |r| r.to(health::healthz)),
        get("/readyz", |r| r.to(health::readyz)),
        get("/openapi.yaml", |r| r.to(health::openapi)),
        get("/v1/regions", |r| r.to(regions::list)),
        get("/v1/grids", |r| r.to(grids::list)),
        get("/v1/units", |r| r.to(units::list)),
        get("/v1/categories", |r| r.to(categories::list)),
    ]
}

/// Registers every endpoint, one actix resource per path so that a known path with the wrong
/// method answers 405 with an `Allow` header.
pub fn configure(cfg: &mut web::ServiceConfig) {
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
            resource = resource.route((e.to)(web::method(e.method.clone())));
        }
        cfg.service(resource);
    }
}
