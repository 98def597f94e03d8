//! SQL text built at run time with its positional binds, for the few queries diesel's DSL
//! cannot say (the live KPI counts, the report list whose plan a test reads). Placeholders
//! are `$1, $2, …` in order of use: SQLite numbers `$n` by first appearance.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Double, Text, Timestamp};

use crate::conn::{DbConn, MultiBackend};
use crate::error::Result;

/// A value bound to a `$n` placeholder.
pub(crate) enum Bind {
    /// Text.
    Text(String),
    /// A stored time (UTC, microseconds).
    At(NaiveDateTime),
    /// A double.
    Number(f64),
}

/// The binds of one statement under construction.
#[derive(Default)]
pub(crate) struct Sql {
    binds: Vec<Bind>,
}

impl Sql {
    /// Adds a bind; returns its placeholder.
    pub(crate) fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// `text` with these binds, ready to run.
    pub(crate) fn query(self, text: String) -> BoxedSqlQuery<'static, MultiBackend, SqlQuery> {
        let mut query = diesel::sql_query(text).into_boxed::<MultiBackend>();
        for bind in self.binds {
            query = match bind {
                Bind::Text(t) => query.bind::<Text, _>(t),
                Bind::At(at) => query.bind::<Timestamp, _>(at),
                Bind::Number(n) => query.bind::<Double, _>(n),
            };
        }
        query
    }

    /// Runs `text` with these binds and loads its rows.
    pub(crate) fn load<R: QueryableByName<MultiBackend> + 'static>(
        self,
        conn: &mut DbConn,
        text: String,
    ) -> Result<Vec<R>> {
        Ok(self.query(text).load(conn)?)
    }
}
