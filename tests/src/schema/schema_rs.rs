//! Reads `storage/src/schema.rs`: each `diesel::table!` block's table, primary key, columns,
//! their type families and nullability. A line it cannot read fails the read, so nothing in
//! the file goes unchecked.

use super::{Column, Schema, Table, family};

/// The schema `storage/src/schema.rs` declares (no indexes or foreign keys: it has none).
pub fn schema_rs() -> Schema {
    let path = format!("{}/../storage/src/schema.rs", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&text)
}

fn parse(text: &str) -> Schema {
    let mut schema = Schema::default();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        let header = lines
            .by_ref()
            .find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'))
            .expect("a table! block's header");
        let (name, keys) = header
            .strip_suffix('{')
            .and_then(|h| h.split_once('('))
            .and_then(|(name, rest)| Some((name.trim(), rest.trim().strip_suffix(')')?)))
            .unwrap_or_else(|| panic!("schema.rs: cannot read the table header {header:?}"));
        let mut table = Table {
            primary_key: keys.split(',').map(|k| k.trim().to_owned()).collect(),
            ..Table::default()
        };
        let mut sql_name: Option<String> = None;
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            if line.is_empty() || line.starts_with("//") || line.starts_with("use ") {
                continue;
            }
            if let Some(rest) = line.strip_prefix("#[sql_name = \"") {
                sql_name = Some(rest.trim_end_matches("\"]").to_owned());
                continue;
            }
            let (column, sql_type) = line
                .trim_end_matches(',')
                .split_once("->")
                .unwrap_or_else(|| panic!("schema.rs, table {name}: cannot read {line:?}"));
            let sql_type = sql_type.trim();
            let inner = sql_type
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'));
            let column_name = sql_name.take().unwrap_or_else(|| column.trim().to_owned());
            table.columns.insert(
                column_name,
                Column {
                    family: family(inner.unwrap_or(sql_type)),
                    nullable: inner.is_some(),
                },
            );
        }
        let previous = schema.tables.insert(name.to_owned(), table);
        assert!(previous.is_none(), "schema.rs declares {name} twice");
    }
    assert!(!schema.tables.is_empty(), "schema.rs declares no table");
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_columns_families_and_nullability() {
        let text = "diesel::table! {\n    t (a, b) {\n        a -> Text,\n        \
                    #[sql_name = \"type\"]\n        kind -> Nullable<BigInt>,\n        \
                    b -> Timestamp,\n    }\n}\n";
        let schema = parse(text);
        let t = &schema.tables["t"];
        assert_eq!(t.primary_key, ["a", "b"]);
        assert_eq!(t.columns["type"].family, "integer");
        assert!(t.columns["type"].nullable);
        assert_eq!(t.columns["b"].family, "timestamp");
        assert!(!t.columns["a"].nullable);
    }
}
