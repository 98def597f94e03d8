//! Grid patrols (网格巡查): the checklists a grid worker walks her grid against — sections of
//! items, each with a short instruction and the category a problem found becomes — and how
//! often each grid must be patrolled against which checklist.

use serde::{Deserialize, Serialize};

pub mod coverage;
pub mod track;

/// The most items one checklist may hold.
pub const MAX_ITEMS: usize = 100;

/// The longest checklist name, section name or item title, in characters.
pub const MAX_TITLE: usize = 50;

/// The longest item instruction, in characters.
pub const MAX_INSTRUCTION: usize = 200;

/// How often a grid must be patrolled against a checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every day.
    Daily,
    /// Every week (Monday to Sunday, China time).
    Weekly,
    /// Every calendar month.
    Monthly,
}

impl Frequency {
    /// Every frequency, most often first.
    pub const ALL: [Frequency; 3] = [Self::Daily, Self::Weekly, Self::Monthly];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// What a walker found at one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum MarkResult {
    /// Checked, nothing wrong.
    Ok,
    /// A problem: filed as a report of the item's category, in the same transaction.
    Problem,
    /// Nothing of the kind in this grid (no pond, no bridge …).
    NotApplicable,
}

impl MarkResult {
    /// Every result.
    pub const ALL: [MarkResult; 3] = [Self::Ok, Self::Problem, Self::NotApplicable];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Problem => "problem",
            Self::NotApplicable => "not_applicable",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One item of a checklist, as defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemDefinition {
    /// The section it belongs to (安全隐患, 环境卫生 …).
    pub section: String,
    /// What to check, e.g. 房屋安全.
    pub title: String,
    /// How to check it, in a sentence.
    pub instruction: String,
    /// The category of the report a problem found here becomes.
    pub category: String,
}

/// Why a checklist definition is refused: the field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadChecklist {
    /// The field (`name`, or `items[3].title` …).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn length_ok(text: &str, max: usize) -> bool {
    let n = text.trim().chars().count();
    (1..=max).contains(&n)
}

/// Checks a checklist: a name, 1–100 items, each with a section, title, instruction and a
/// category that `category_exists` knows.
pub fn check_checklist(
    name: &str,
    items: &[ItemDefinition],
    category_exists: impl Fn(&str) -> bool,
) -> Result<(), BadChecklist> {
    let bad = |field: String, message: String| Err(BadChecklist { field, message });
    if !length_ok(name, MAX_TITLE) {
        return bad(
            "name".into(),
            format!("name must be 1-{MAX_TITLE} characters"),
        );
    }
    if items.is_empty() || items.len() > MAX_ITEMS {
        return bad(
            "items".into(),
            format!("a checklist has 1-{MAX_ITEMS} items"),
        );
    }
    for (i, item) in items.iter().enumerate() {
        for (field, text, max) in [
            ("section", &item.section, MAX_TITLE),
            ("title", &item.title, MAX_TITLE),
            ("instruction", &item.instruction, MAX_INSTRUCTION),
        ] {
            if !length_ok(text, max) {
                return bad(
                    format!("items[{i}].{field}"),
                    format!("{field} must be 1-{max} characters"),
                );
            }
        }
        if !category_exists(&item.category) {
            return bad(
                format!("items[{i}].category"),
                format!("no category {}", item.category),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(section: &str, title: &str, category: &str) -> ItemDefinition {
        ItemDefinition {
            section: section.into(),
            title: title.into(),
            instruction: "看一看".into(),
            category: category.into(),
        }
    }

    #[test]
    fn a_checklist_needs_a_name_items_and_known_categories() {
        let known = |c: &str| c == "safety";
        let ok = [item("安全隐患", "房屋安全", "safety")];
        assert_eq!(check_checklist("周巡查", &ok, known), Ok(()));
        let field = |name: &str, items: &[ItemDefinition]| {
            check_checklist(name, items, known).unwrap_err().field
        };
        assert_eq!(field(" ", &ok), "name");
        assert_eq!(field("周巡查", &[]), "items");
        assert_eq!(
            field("周巡查", &[item("", "房屋安全", "safety")]),
            "items[0].section"
        );
        assert_eq!(
            field("周巡查", &[ok[0].clone(), item("安全隐患", "用电", "fire")]),
            "items[1].category"
        );
        let many = vec![ok[0].clone(); MAX_ITEMS + 1];
        assert_eq!(field("周巡查", &many), "items");
    }

    #[test]
    fn frequencies_round_trip_their_names() {
        for f in Frequency::ALL {
            assert_eq!(Frequency::parse(f.as_str()), Some(f));
        }
        assert_eq!(Frequency::parse("hourly"), None);
    }
}
