//! Categories (事项分类): what kind of problem a report is, where it starts and how long each step may take.

use serde::Serialize;

use crate::region::RegionLevel;

/// Longest accepted time limit: 90 days, in minutes.
pub const MAX_LIMIT_MINUTES: i32 = 90 * 24 * 60;

/// One category of report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    /// Stable code used by clients, e.g. `garbage`.
    pub code: String,
    /// Chinese name shown to villagers, e.g. 垃圾清运.
    pub name: String,
    /// English name for logs and foreign clients.
    pub name_en: String,
    /// The ladder level a report of this kind starts at.
    pub start_level: RegionLevel,
    /// Minutes the responsible unit has to accept a report.
    pub accept_within_minutes: i32,
    /// Minutes from acceptance to resolution.
    pub resolve_within_minutes: i32,
    /// Whether resolving needs an evidence ("after") photo.
    pub evidence_required: bool,
    /// The line of work that handles it when it reaches a department (`sanitation` …).
    pub department: Option<String>,
    /// Position in pickers (ascending).
    pub sort_order: i32,
    /// Whether new reports may use it.
    pub active: bool,
    /// Whether villagers other than the reporter see its reports (without her identity);
    /// private categories (neighbour disputes, petitions) are seen by the parties and staff only.
    pub public: bool,
}

/// Why a category definition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    /// The code is not 1–32 characters of `a-z`, `0-9` and `_`, starting with a letter.
    #[error(
        "category code {0:?} must be 1-32 characters of a-z, 0-9 and _, starting with a letter"
    )]
    BadCode(String),
    /// An empty name.
    #[error("category {0} has an empty name")]
    EmptyName(String),
    /// A time limit that is not between 1 minute and 90 days.
    #[error("category {code}: {field} must be between 1 and {MAX_LIMIT_MINUTES} minutes")]
    BadLimit {
        /// The category.
        code: String,
        /// Which limit.
        field: &'static str,
    },
}

impl Category {
    /// Checks the definition: a well-formed code, names, and sane time limits.
    pub fn validate(&self) -> Result<(), CategoryError> {
        let code_ok = (1..=32).contains(&self.code.len())
            && self.code.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(CategoryError::BadCode(self.code.clone()));
        }
        if self.name.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err(CategoryError::EmptyName(self.code.clone()));
        }
        for (field, value) in [
            ("accept_within_minutes", self.accept_within_minutes),
            ("resolve_within_minutes", self.resolve_within_minutes),
        ] {
            if !(1..=MAX_LIMIT_MINUTES).contains(&value) {
                return Err(CategoryError::BadLimit {
                    code: self.code.clone(),
                    field,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn garbage() -> Category {
        Category {
            code: "garbage".into(),
            name: "垃圾清运".into(),
            name_en: "Garbage".into(),
            start_level: RegionLevel::Group,
            accept_within_minutes: 30,
            resolve_within_minutes: 240,
            evidence_required: true,
            department: Some("sanitation".into()),
            sort_order: 1,
            active: true,
            public: true,
        }
    }

    #[test]
    fn a_sane_category_passes() {
        assert_eq!(garbage().validate(), Ok(()));
    }

    #[test]
    fn bad_codes_names_and_limits_are_refused() {
        let bad_code = Category {
            code: "Garbage!".into(),
            ..garbage()
        };
        assert!(matches!(
            bad_code.validate(),
            Err(CategoryError::BadCode(_))
        ));
        let no_name = Category {
            name: " ".into(),
            ..garbage()
        };
        assert!(matches!(
            no_name.validate(),
            Err(CategoryError::EmptyName(_))
        ));
        let zero = Category {
            accept_within_minutes: 0,
            ..garbage()
        };
        assert_eq!(
            zero.validate(),
            Err(CategoryError::BadLimit {
                code: "garbage".into(),
                field: "accept_within_minutes"
            })
        );
        let too_long = Category {
            resolve_within_minutes: MAX_LIMIT_MINUTES + 1,
            ..garbage()
        };
        assert!(matches!(
            too_long.validate(),
            Err(CategoryError::BadLimit { .. })
        ));
    }
}
