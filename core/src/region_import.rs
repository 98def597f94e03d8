//! Validation of a region tree being imported (`cunxiang import-regions FILE.csv`): every
//! problem is reported with its line number, and a file with any problem imports nothing.

use std::collections::{HashMap, HashSet};

use crate::region::RegionLevel;

/// Longest region name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// One row as read from the file, fields trimmed; an empty string means "not given".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRecord {
    /// Line in the file (1-based, counting the header), for error messages.
    pub line: u64,
    /// GB/T 2260 code; may be empty only for a villager group.
    pub code: String,
    /// Region name.
    pub name: String,
    /// Code of the region above; empty for a county.
    pub parent_code: String,
    /// `county`, `township`, `village` or `group`; empty to infer it from the code's length.
    pub level: String,
}

/// A row that passed validation, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRegion {
    /// Line in the file it came from.
    pub line: u64,
    /// GB/T 2260 code, `None` for a villager group without one.
    pub code: Option<String>,
    /// Region name.
    pub name: String,
    /// Level in the tree.
    pub level: RegionLevel,
    /// Code of the region above, `None` for a county.
    pub parent_code: Option<String>,
}

/// What is wrong with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// Line in the file (1-based, counting the header).
    pub line: u64,
    /// What is wrong, for a person to fix.
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// How a region already in the database looks, for the import to check against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingRegion {
    /// Its level.
    pub level: RegionLevel,
    /// Its parent's code, `None` at the top.
    pub parent_code: Option<String>,
}

/// Checks every record against the rules of the tree and against what is already stored
/// (`existing` looks a code up). Parents must come before their children in the file or
/// already exist. Returns all rows when every one is valid, otherwise every problem found.
pub fn validate(
    records: &[RegionRecord],
    existing: impl Fn(&str) -> Option<ExistingRegion>,
) -> Result<Vec<ValidRegion>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut valid = Vec::with_capacity(records.len());
    let mut seen_codes: HashMap<String, RegionLevel> = HashMap::new();
    let mut seen_groups: HashSet<(String, String)> = HashSet::new();
    for record in records {
        match validate_one(record, &seen_codes, &existing) {
            Ok(region) => {
                if let Some(code) = &region.code {
                    if seen_codes.contains_key(code) {
                        problems.push(problem(record, format!("code {code} appears twice")));
                        continue;
                    }
                    seen_codes.insert(code.clone(), region.level);
                } else {
                    let key = (
                        region.parent_code.clone().unwrap_or_default(),
                        region.name.clone(),
                    );
                    if !seen_groups.insert(key) {
                        problems.push(problem(
                            record,
                            format!("group {} appears twice under the same village", region.name),
                        ));
                        continue;
                    }
                }
                valid.push(region);
            }
            Err(message) => problems.push(problem(record, message)),
        }
    }
    if problems.is_empty() {
        Ok(valid)
    } else {
        Err(problems)
    }
}

fn problem(record: &RegionRecord, message: String) -> ImportProblem {
    ImportProblem {
        line: record.line,
        message,
    }
}

fn validate_one(
    record: &RegionRecord,
    seen_codes: &HashMap<String, RegionLevel>,
    existing: &impl Fn(&str) -> Option<ExistingRegion>,
) -> Result<ValidRegion, String> {
    let name = record.name.as_str();
    if name.is_empty() {
        return Err("name is empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("name is longer than {MAX_NAME_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("name contains control characters".into());
    }
    let code = (!record.code.is_empty()).then(|| record.code.clone());
    let code_level = match &code {
        Some(c) => Some(
            RegionLevel::from_code(c)
                .ok_or_else(|| format!("code {c:?} is not a 6-, 9- or 12-digit GB/T 2260 code"))?,
        ),
        None => None,
    };
    let level = match (record.level.as_str(), code_level) {
        ("", Some(l)) => l,
        ("", None) => return Err("neither code nor level given".into()),
        (given, _) => RegionLevel::parse(given).ok_or_else(|| {
            format!("level {given:?} is not one of county, township, village, group")
        })?,
    };
    if let Some(from_code) = code_level
        && from_code != level
    {
        return Err(format!(
            "level {} does not match code {} (a {} code)",
            level.as_str(),
            record.code,
            from_code.as_str()
        ));
    }
    if code.is_none() && level != RegionLevel::Group {
        return Err(format!("a {} needs a code", level.as_str()));
    }
    let parent_code = check_parent(record, level, seen_codes, existing)?;
    if let (Some(c), Some(stored)) = (&code, code.as_deref().and_then(existing))
        && (stored.level != level || stored.parent_code != parent_code)
    {
        return Err(format!(
            "code {c} is already stored as a {} under {}; moving a region is not supported",
            stored.level.as_str(),
            stored.parent_code.as_deref().unwrap_or("nothing")
        ));
    }
    Ok(ValidRegion {
        line: record.line,
        code,
        name: name.to_owned(),
        level,
        parent_code,
    })
}

fn check_parent(
    record: &RegionRecord,
    level: RegionLevel,
    seen_codes: &HashMap<String, RegionLevel>,
    existing: &impl Fn(&str) -> Option<ExistingRegion>,
) -> Result<Option<String>, String> {
    let Some(expected) = level.parent() else {
        if !record.parent_code.is_empty() {
            return Err("a county has no parent_code".into());
        }
        return Ok(None);
    };
    let parent = record.parent_code.as_str();
    if parent.is_empty() {
        return Err(format!("a {} needs a parent_code", level.as_str()));
    }
    let parent_level = seen_codes
        .get(parent)
        .copied()
        .or_else(|| existing(parent).map(|e| e.level))
        .ok_or_else(|| {
            format!("parent {parent} is neither on an earlier line nor already imported")
        })?;
    if parent_level != expected {
        return Err(format!(
            "parent {parent} is a {}, but a {} belongs under a {}",
            parent_level.as_str(),
            level.as_str(),
            expected.as_str()
        ));
    }
    if !record.code.is_empty() && !record.code.starts_with(parent) {
        return Err(format!(
            "code {} does not start with its parent's code {parent}",
            record.code
        ));
    }
    Ok(Some(parent.to_owned()))
}

#[cfg(test)]
mod tests;
