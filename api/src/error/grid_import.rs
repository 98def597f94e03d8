//! How a refused grid import answers over HTTP: 403 when the caller may not import, 422
//! `invalid_grids` with every feature's problems (and a hint when `?repair=true` would take
//! them), or the storage failure's own answer.

use actix_web::http::StatusCode;

use super::{ApiError, ErrorCode};
use crate::grid_import::GridImportError;

impl From<GridImportError> for ApiError {
    fn from(e: GridImportError) -> Self {
        match e {
            GridImportError::Refused => ApiError::forbidden(e.to_string()),
            GridImportError::Invalid(features) => {
                let repairable = features.iter().filter(|f| f.repairable).count();
                let hint = if repairable == 0 {
                    String::new()
                } else {
                    format!(
                        "; {repairable} of them would be taken with ?repair=true, which makes \
                         rings that cross or touch valid"
                    )
                };
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::InvalidGrids,
                    format!(
                        "{} feature(s) have problems; nothing was imported{hint}",
                        features.len()
                    ),
                )
                .with_details(serde_json::json!({ "features": features }))
            }
            GridImportError::Storage(e) => e.into(),
        }
    }
}
