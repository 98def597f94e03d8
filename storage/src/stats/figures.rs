//! The KPIs the API answers, put together from the roll-ups for the whole days of the period,
//! live counts for the pieces of days at its ends, and a live count of what is overdue now.
//! Breakdowns by grid, unit and category are counted live (the roll-ups keep regions and days).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cunxiang_core::stats::Tally;

use super::live::{self, SEGMENT};
use super::period::{self, Days, Piece};
use super::rollup::{self, Stored};
use super::{Group, Selection};
use crate::conn::DbConn;
use crate::error::Result;

/// The subtrees a selection covers, none inside another.
enum Roots {
    /// Every region.
    All,
    /// These subtrees.
    Paths(Vec<String>),
}

fn roots(selection: &Selection) -> Roots {
    let mut paths: Vec<String> = match (&selection.scope, &selection.within_path) {
        (None, None) => return Roots::All,
        (None, Some(within)) => vec![within.clone()],
        (Some(scope), None) => scope.clone(),
        (Some(scope), Some(within)) => {
            let mut out: Vec<String> = scope
                .iter()
                .filter(|p| p.starts_with(within.as_str()))
                .cloned()
                .collect();
            if scope.iter().any(|p| within.starts_with(p.as_str())) {
                out.push(within.clone());
            }
            out
        }
    };
    paths.sort();
    paths.dedup();
    let all = paths.clone();
    paths.retain(|p| !all.iter().any(|q| q != p && p.starts_with(q.as_str())));
    Roots::Paths(paths)
}

/// The stored rows of the roots over `days`, as (subtree path, day, tally).
fn stored(conn: &mut DbConn, roots: &Roots, days: Days) -> Result<Vec<(String, String, Tally)>> {
    match roots {
        Roots::All => rollup::read(conn, &Stored::TopLevel, days),
        Roots::Paths(paths) => {
            let mut out = Vec::new();
            for p in paths {
                out.extend(rollup::read(conn, &Stored::Subtree(p), days)?);
            }
            Ok(out)
        }
    }
}

/// The selection narrowed to one piece of its period.
fn piece(selection: &Selection, (from, to): Piece) -> Selection {
    Selection {
        from,
        to,
        ..selection.clone()
    }
}

/// The tally of every selected report, with what is overdue at `now`.
pub fn summary(conn: &mut DbConn, selection: &Selection, now: DateTime<Utc>) -> Result<Tally> {
    let split = period::split(selection.from, selection.to);
    let mut total = Tally::default();
    if let Some(days) = split.days {
        for (_, _, t) in stored(conn, &roots(selection), days)? {
            total.merge(&t);
        }
    }
    for p in split.pieces {
        for t in live::tallies_by(conn, &piece(selection, p), None, now)?.values() {
            total.merge(t);
        }
    }
    total.overdue_now = live::overdue_by(conn, selection, None, now)?.values().sum();
    total.compact();
    Ok(total)
}

/// The tallies of the selected reports per group key (region paths for [`Group::Region`],
/// `YYYY-MM-DD` for [`Group::Day`], ids or codes otherwise), with what is overdue at `now`.
pub fn breakdown(
    conn: &mut DbConn,
    selection: &Selection,
    group: &Group,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, Tally>> {
    let mut out: BTreeMap<Option<String>, Tally> = match group {
        Group::All => return Ok(BTreeMap::from([(None, summary(conn, selection, now)?)])),
        Group::Grid | Group::Unit | Group::Category => {
            return live::tallies(conn, selection, group, now);
        }
        Group::Region { parent_path } => by_region(conn, selection, parent_path)?,
        Group::Day => by_day(conn, selection)?,
    };
    let split = period::split(selection.from, selection.to);
    for p in split.pieces {
        for (key, mut t) in live::tallies(conn, &piece(selection, p), group, now)? {
            t.overdue_now = 0;
            out.entry(key).or_default().merge(&t);
        }
    }
    for t in out.values_mut() {
        t.overdue_now = 0;
    }
    let key = live::key_sql(group, conn.backend());
    for (k, n) in live::overdue_by(conn, selection, Some(&key), now)? {
        out.entry(k).or_default().overdue_now = n;
    }
    out.retain(|_, t| t.received + t.rejected > 0);
    for t in out.values_mut() {
        t.compact();
    }
    Ok(out)
}

/// The whole days' part of a breakdown by the regions one level below `parent`: each child's
/// subtree, and the parent's own reports (its subtree less its children's) under its path.
fn by_region(
    conn: &mut DbConn,
    selection: &Selection,
    parent: &str,
) -> Result<BTreeMap<Option<String>, Tally>> {
    let mut out: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    let Some(days) = period::split(selection.from, selection.to).days else {
        return Ok(out);
    };
    let child_len = parent.len() + SEGMENT;
    let paths = match roots(selection) {
        Roots::All => vec![parent.to_owned()],
        Roots::Paths(paths) => paths,
    };
    for root in paths {
        if root == parent {
            let mut own = Tally::default();
            for (_, _, t) in stored(conn, &Roots::Paths(vec![root.clone()]), days)? {
                own.merge(&t);
            }
            let mut children = Tally::default();
            for (child, _, t) in rollup::read(conn, &Stored::Children(&root), days)? {
                children.merge(&t);
                out.entry(Some(child)).or_default().merge(&t);
            }
            if parent != "/" {
                own.compact();
                own.subtract(&children);
                out.entry(Some(root)).or_default().merge(&own);
            }
        } else if root.len() > child_len && root.starts_with(parent) {
            let key = root[..child_len].to_owned();
            for (_, _, t) in stored(conn, &Roots::Paths(vec![root.clone()]), days)? {
                out.entry(Some(key.clone())).or_default().merge(&t);
            }
        } else {
            // The root is the child itself (or, for a parent outside it, its own group).
            for (_, _, t) in stored(conn, &Roots::Paths(vec![root.clone()]), days)? {
                out.entry(Some(root.clone())).or_default().merge(&t);
            }
        }
    }
    Ok(out)
}

/// The whole days' part of a breakdown by day.
fn by_day(conn: &mut DbConn, selection: &Selection) -> Result<BTreeMap<Option<String>, Tally>> {
    let mut out: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    if let Some(days) = period::split(selection.from, selection.to).days {
        for (_, day, t) in stored(conn, &roots(selection), days)? {
            out.entry(Some(day)).or_default().merge(&t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(scope: Option<&[&str]>, within: Option<&str>) -> Selection {
        Selection {
            scope: scope.map(|s| s.iter().map(|p| (*p).to_owned()).collect()),
            within_path: within.map(str::to_owned),
            from: None,
            to: None,
        }
    }

    fn paths(r: Roots) -> Option<Vec<String>> {
        match r {
            Roots::All => None,
            Roots::Paths(p) => Some(p),
        }
    }

    #[test]
    fn roots_are_the_outermost_subtrees_selected() {
        assert_eq!(paths(roots(&selection(None, None))), None);
        assert_eq!(
            paths(roots(&selection(Some(&["/a/b/", "/a/", "/c/"]), None))),
            Some(vec!["/a/".to_owned(), "/c/".to_owned()])
        );
        // A region inside the caller's scope.
        assert_eq!(
            paths(roots(&selection(Some(&["/a/"]), Some("/a/b/")))),
            Some(vec!["/a/b/".to_owned()])
        );
        // A region above part of the scope: only the scope's part of it.
        assert_eq!(
            paths(roots(&selection(Some(&["/a/b/", "/c/"]), Some("/a/")))),
            Some(vec!["/a/b/".to_owned()])
        );
        assert_eq!(paths(roots(&selection(Some(&[]), None))), Some(vec![]));
    }
}
