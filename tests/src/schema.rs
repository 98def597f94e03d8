//! A database schema in portable terms — tables, columns (type family, nullability), primary
//! keys, indexes and foreign keys — as read from a migrated database or from
//! `storage/src/schema.rs`, and the list of differences between two of them.
//!
//! Types compare by family, since the twins spell them differently (SQLite keeps the declared
//! text, PostgreSQL has its own names, diesel its SQL types):
//!
//! | family    | SQLite declared type               | PostgreSQL                    | diesel               |
//! |-----------|------------------------------------|-------------------------------|----------------------|
//! | integer   | contains `INT`                     | smallint, integer, bigint     | SmallInt, Integer, BigInt |
//! | text      | contains `CHAR`, `CLOB` or `TEXT`  | text, character varying       | Text, VarChar        |
//! | real      | contains `REAL`, `FLOA` or `DOUB`  | real, double precision        | Float, Double        |
//! | bool      | contains `BOOL`                    | boolean                       | Bool                 |
//! | timestamp | contains `TIMESTAMP` or `DATETIME` | timestamp without time zone   | Timestamp            |
//! | bytes     | contains `BLOB`, or empty          | bytea                         | Binary               |
//!
//! Anything else is its own family, named after the type, so it differs from everything.

mod read;
mod schema_rs;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use read::read;
pub use schema_rs::schema_rs;

/// A schema: its tables by name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
}

/// One table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    /// Columns by name.
    pub columns: BTreeMap<String, Column>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<String>,
    /// Indexes by name; an index behind a `UNIQUE` constraint, whose name each engine makes
    /// up, is named `unique(<columns>)`. The primary key's index is not listed.
    pub indexes: BTreeMap<String, Index>,
    /// Foreign keys.
    pub foreign_keys: BTreeSet<ForeignKey>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The type's family (see the module's table).
    pub family: String,
    /// Whether NULL may be stored.
    pub nullable: bool,
}

/// One index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Indexed columns, in order.
    pub columns: Vec<String>,
    /// A unique index.
    pub unique: bool,
    /// A partial index (`WHERE …`); the predicate itself is not compared.
    pub partial: bool,
}

/// One foreign key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub table: String,
    /// The referenced columns.
    pub references: Vec<String>,
    /// `NO ACTION`, `CASCADE`, …
    pub on_delete: String,
}

impl fmt::Display for ForeignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "foreign key ({}) → {} ({}) on delete {}",
            self.columns.join(", "),
            self.table,
            self.references.join(", "),
            self.on_delete
        )
    }
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.unique { "unique " } else { "" };
        let partial = if self.partial { " partial" } else { "" };
        write!(f, "{kind}({}){partial}", self.columns.join(", "))
    }
}

/// The family of a type name from any of the three sources (see the module's table).
pub fn family(type_name: &str) -> String {
    let t = type_name.trim().to_ascii_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let family = match t.as_str() {
        "SMALLINT" | "INTEGER" | "BIGINT" | "INT2" | "INT4" | "INT8" => "integer",
        "TEXT" | "VARCHAR" | "CHARACTER VARYING" => "text",
        "REAL" | "FLOAT" | "DOUBLE" | "DOUBLE PRECISION" | "FLOAT4" | "FLOAT8" => "real",
        "BOOL" | "BOOLEAN" => "bool",
        "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" | "DATETIME" => "timestamp",
        "" | "BLOB" | "BYTEA" | "BINARY" => "bytes",
        // SQLite's affinity rules, for declared types spelled otherwise.
        _ if has(&["INT"]) && !has(&["INTERVAL"]) => "integer",
        _ if has(&["CHAR", "CLOB", "TEXT"]) => "text",
        _ if has(&["REAL", "FLOA", "DOUB"]) => "real",
        _ => return format!("other({})", type_name.trim()),
    };
    family.to_owned()
}

/// What to compare: everything, or what `schema.rs` can say (tables, columns, primary keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Tables, columns, primary keys, indexes and foreign keys.
    Full,
    /// Tables, columns and primary keys.
    Columns,
}

/// Every difference between `a` (called `a_name`) and `b` (`b_name`), one line each.
pub fn differences(
    a_name: &str,
    a: &Schema,
    b_name: &str,
    b: &Schema,
    depth: Depth,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, only) in one_sided(&a.tables, &b.tables, a_name, b_name) {
        out.push(format!("table {name}: only in {only}"));
    }
    for (name, ta) in &a.tables {
        let Some(tb) = b.tables.get(name) else {
            continue;
        };
        for (column, only) in one_sided(&ta.columns, &tb.columns, a_name, b_name) {
            out.push(format!("{name}.{column}: only in {only}"));
        }
        for (column, ca) in &ta.columns {
            let Some(cb) = tb.columns.get(column) else {
                continue;
            };
            if ca.family != cb.family {
                out.push(format!(
                    "{name}.{column}: {} in {a_name}, {} in {b_name}",
                    ca.family, cb.family
                ));
            }
            if ca.nullable != cb.nullable {
                let says = |n: bool| if n { "nullable" } else { "not null" };
                out.push(format!(
                    "{name}.{column}: {} in {a_name}, {} in {b_name}",
                    says(ca.nullable),
                    says(cb.nullable)
                ));
            }
        }
        if ta.primary_key != tb.primary_key {
            out.push(format!(
                "{name}: primary key ({}) in {a_name}, ({}) in {b_name}",
                ta.primary_key.join(", "),
                tb.primary_key.join(", ")
            ));
        }
        if depth == Depth::Columns {
            continue;
        }
        for (index, only) in one_sided(&ta.indexes, &tb.indexes, a_name, b_name) {
            let def = ta.indexes.get(&index).or_else(|| tb.indexes.get(&index));
            let def = def.map(ToString::to_string).unwrap_or_default();
            out.push(format!("{name}: index {index} {def} only in {only}"));
        }
        for (index, ia) in &ta.indexes {
            if let Some(ib) = tb.indexes.get(index).filter(|ib| *ib != ia) {
                out.push(format!(
                    "{name}: index {index} is {ia} in {a_name}, {ib} in {b_name}"
                ));
            }
        }
        for fk in ta.foreign_keys.symmetric_difference(&tb.foreign_keys) {
            let only = if ta.foreign_keys.contains(fk) {
                a_name
            } else {
                b_name
            };
            out.push(format!("{name}: {fk} only in {only}"));
        }
    }
    out
}

/// The keys found in only one of two maps, with the name of the side that has them.
fn one_sided<V>(
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    a_name: &str,
    b_name: &str,
) -> Vec<(String, String)> {
    let only = |x: &BTreeMap<String, V>, y: &BTreeMap<String, V>, side: &str| {
        x.keys()
            .filter(|k| !y.contains_key(*k))
            .map(|k| (k.clone(), side.to_owned()))
            .collect::<Vec<_>>()
    };
    let mut out = only(a, b, a_name);
    out.extend(only(b, a, b_name));
    out.sort();
    out
}

/// `schema` without the named tables (those `schema.rs` leaves to raw SQL).
pub fn without(schema: &Schema, tables: &[&str]) -> Schema {
    let mut kept = schema.clone();
    kept.tables
        .retain(|name, _| !tables.contains(&name.as_str()));
    kept
}
