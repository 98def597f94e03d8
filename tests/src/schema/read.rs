//! Reads a migrated database's schema: SQLite's `pragma_table_info`, `pragma_index_list`,
//! `pragma_index_info` and `pragma_foreign_key_list`; PostgreSQL's catalogue (`pg_class`,
//! `pg_attribute`, `pg_index`, `pg_constraint`) for the current schema.

use cunxiang_storage::DbConn;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

use super::{Column, ForeignKey, Index, Schema, family};

/// Bookkeeping tables that are no part of the application's schema.
const BOOKKEEPING: &str = "('__diesel_schema_migrations', 'sqlite_sequence')";

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
    /// Position in the primary key, from 1; 0 when not in it.
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    /// Comma-separated, in index order.
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    /// `pk` (primary key), `u` (UNIQUE constraint) or `c` (CREATE INDEX).
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Bool)]
    partial: bool,
}

#[derive(QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_columns: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

const SQLITE_TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

fn sqlite_queries() -> [String; 3] {
    let not_bookkeeping = format!("{SQLITE_TABLES} AND m.name NOT IN {BOOKKEEPING}");
    [
        format!(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
             p.\"notnull\" = 0 AS nullable, p.pk AS pk \
             FROM sqlite_schema AS m, pragma_table_info(m.name) AS p WHERE {not_bookkeeping}"
        ),
        format!(
            "SELECT m.name AS table_name, l.name AS index_name, \
             (SELECT group_concat(i.name, ',' ORDER BY i.seqno) \
              FROM pragma_index_info(l.name) AS i) AS columns, \
             l.\"unique\" AS is_unique, l.origin AS origin, l.partial AS partial \
             FROM sqlite_schema AS m, pragma_index_list(m.name) AS l WHERE {not_bookkeeping}"
        ),
        format!(
            "SELECT m.name AS table_name, group_concat(f.\"from\", ',' ORDER BY f.seq) AS columns, \
             f.\"table\" AS ref_table, \
             group_concat(coalesce(f.\"to\", ''), ',' ORDER BY f.seq) AS ref_columns, \
             f.on_delete AS on_delete \
             FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f \
             WHERE {not_bookkeeping} GROUP BY m.name, f.id"
        ),
    ]
}

fn postgres_queries() -> [String; 3] {
    let tables = format!(
        "n.nspname = current_schema() AND t.relkind = 'r' AND t.relname NOT IN {BOOKKEEPING}"
    );
    // The names of the attributes `$1` (an int2[]) of table `$2`, in order.
    let names = |attnums: &str, table: &str| {
        format!(
            "(SELECT string_agg(coalesce(a.attname, '(expression)'), ',' ORDER BY k.ord) \
             FROM unnest({attnums}) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_attribute AS a ON a.attrelid = {table} AND a.attnum = k.attnum)"
        )
    };
    [
        format!(
            "SELECT t.relname AS table_name, a.attname AS column_name, \
             format_type(a.atttypid, NULL) AS data_type, NOT a.attnotnull AS nullable, \
             coalesce((SELECT k.ord::int4 FROM pg_index AS x, \
                       unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                       WHERE x.indrelid = t.oid AND x.indisprimary AND k.attnum = a.attnum), 0) \
             AS pk \
             FROM pg_class AS t JOIN pg_namespace AS n ON n.oid = t.relnamespace \
             JOIN pg_attribute AS a ON a.attrelid = t.oid \
             WHERE {tables} AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        format!(
            "SELECT t.relname AS table_name, i.relname AS index_name, {} AS columns, \
             x.indisunique AS is_unique, \
             CASE WHEN x.indisprimary THEN 'pk' \
                  WHEN EXISTS (SELECT 1 FROM pg_constraint AS c \
                               WHERE c.conindid = x.indexrelid AND c.contype = 'u') THEN 'u' \
                  ELSE 'c' END AS origin, \
             x.indpred IS NOT NULL AS partial \
             FROM pg_index AS x JOIN pg_class AS t ON t.oid = x.indrelid \
             JOIN pg_class AS i ON i.oid = x.indexrelid \
             JOIN pg_namespace AS n ON n.oid = t.relnamespace WHERE {tables}",
            names("x.indkey::int2[]", "t.oid")
        ),
        format!(
            "SELECT t.relname AS table_name, {} AS columns, r.relname AS ref_table, \
             {} AS ref_columns, \
             CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' \
                  WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END \
             AS on_delete \
             FROM pg_constraint AS c JOIN pg_class AS t ON t.oid = c.conrelid \
             JOIN pg_class AS r ON r.oid = c.confrelid \
             JOIN pg_namespace AS n ON n.oid = t.relnamespace \
             WHERE c.contype = 'f' AND {tables}",
            names("c.conkey", "c.conrelid"),
            names("c.confkey", "c.confrelid")
        ),
    ]
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::to_owned).collect()
}

/// The schema of the database behind `conn`, in portable terms.
pub fn read(conn: &mut DbConn) -> Schema {
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    let [columns, indexes, foreign_keys] = if sqlite {
        sqlite_queries()
    } else {
        postgres_queries()
    };
    let columns: Vec<ColumnRow> = diesel::sql_query(columns).load(conn).expect("columns");
    let indexes: Vec<IndexRow> = diesel::sql_query(indexes).load(conn).expect("indexes");
    let foreign_keys: Vec<ForeignKeyRow> = diesel::sql_query(foreign_keys)
        .load(conn)
        .expect("foreign keys");

    let mut schema = Schema::default();
    let mut keys: Vec<(String, i32, String)> = Vec::new();
    for c in &columns {
        let table = schema.tables.entry(c.table_name.clone()).or_default();
        table.columns.insert(
            c.column_name.clone(),
            Column {
                family: family(&c.data_type),
                nullable: c.nullable,
            },
        );
        if c.pk > 0 {
            keys.push((c.table_name.clone(), c.pk, c.column_name.clone()));
        }
    }
    keys.sort();
    for (table, _, column) in keys {
        let t = schema.tables.get_mut(&table).expect("table of the key");
        t.primary_key.push(column);
    }
    if sqlite {
        // `INTEGER PRIMARY KEY` is the rowid, which is never NULL whatever table_info says.
        for (name, table) in &mut schema.tables {
            let rowid = |c: &&ColumnRow| {
                &c.table_name == name && c.pk == 1 && c.data_type.eq_ignore_ascii_case("INTEGER")
            };
            if let [key] = table.primary_key.as_slice()
                && columns.iter().filter(rowid).any(|c| &c.column_name == key)
                && let Some(column) = table.columns.get_mut(key)
            {
                column.nullable = false;
            }
        }
    }
    for i in indexes.into_iter().filter(|i| i.origin != "pk") {
        let name = if i.origin == "u" {
            format!("unique({})", i.columns)
        } else {
            i.index_name
        };
        let table = schema
            .tables
            .get_mut(&i.table_name)
            .expect("table of the index");
        let index = Index {
            columns: list(&i.columns),
            unique: i.is_unique,
            partial: i.partial,
        };
        table.indexes.insert(name, index);
    }
    for f in foreign_keys {
        // SQLite leaves the referenced columns out when the key names only the table.
        let references = match f.ref_columns.trim_matches(',') {
            "" => schema
                .tables
                .get(&f.ref_table)
                .map(|t| t.primary_key.clone()),
            named => Some(list(named)),
        };
        let table = schema
            .tables
            .get_mut(&f.table_name)
            .expect("table of the key");
        table.foreign_keys.insert(ForeignKey {
            columns: list(&f.columns),
            table: f.ref_table,
            references: references.unwrap_or_default(),
            on_delete: f.on_delete,
        });
    }
    schema
}
