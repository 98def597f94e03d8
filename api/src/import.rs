//! Importing a region tree from CSV text into the database: parse, validate against what is
//! stored, then store in one transaction. Shared by `cunxiang import-regions` and the demo seed.

use cunxiang_core::region_import::{self, ImportProblem};
use cunxiang_storage::regions::ImportSummary;
use cunxiang_storage::{DbConn, StorageError};

use crate::region_csv;

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems; each names its line.
    #[error("{} problem(s) in the file", .0.len())]
    Invalid(Vec<ImportProblem>),
    /// The database failed; the transaction was rolled back.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Parses, validates and stores `csv_text`. `on_validated` learns how many rows will be
/// stored; `progress` is called once per stored row.
pub fn import_regions(
    conn: &mut DbConn,
    csv_text: &str,
    on_validated: &mut dyn FnMut(usize),
    progress: &mut dyn FnMut(),
) -> Result<ImportSummary, ImportError> {
    let records = region_csv::parse(csv_text).map_err(ImportError::Invalid)?;
    let stored = cunxiang_storage::regions::existing_index(conn)?;
    let valid = region_import::validate(&records, |code| stored.get(code).cloned())
        .map_err(ImportError::Invalid)?;
    on_validated(valid.len());
    Ok(cunxiang_storage::regions::import(conn, &valid, progress)?)
}
