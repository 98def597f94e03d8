//! Categories (事项分类): what kind of problem a report is, where it starts and how long each step may take.

use serde::{Deserialize, Serialize};

use crate::region::RegionLevel;

/// Longest accepted time limit: 90 days, in minutes.
pub const MAX_LIMIT_MINUTES: i32 = 90 * 24 * 60;

/// How reports of a category are worked: the standard lifecycle, or a mediation case
/// (矛盾纠纷调解: parties, sessions, a conclusion and a follow-up on top of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum Workflow {
    /// Accept, handle, resolve, confirm (rubbish, roads, lights …).
    #[default]
    Standard,
    /// A dispute mediated by a 人民调解委员会 (邻里, 婚姻家庭, 土地山林, 劳资, 损害赔偿 …).
    Mediation,
}

impl Workflow {
    /// Every workflow.
    pub const ALL: [Workflow; 2] = [Self::Standard, Self::Mediation];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Mediation => "mediation",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

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
    /// How its reports are worked.
    pub workflow: Workflow,
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
    /// A mediation category marked public: disputes stay between the parties and the staff.
    #[error("category {0} is a mediation category and cannot be public")]
    PublicMediation(String),
}

impl Category {
    /// Checks the definition: a well-formed code, names, sane time limits, and a mediation
    /// category kept private.
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
        if self.workflow == Workflow::Mediation && self.public {
            return Err(CategoryError::PublicMediation(self.code.clone()));
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
            workflow: Default::default(),
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
