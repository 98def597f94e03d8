//! Categories: the kinds of report with their starting level and time limits.

use cunxiang_core::{Category, RegionLevel, Workflow};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::schema::categories;
use crate::time;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
struct CategoryRow {
    code: String,
    name: String,
    name_en: String,
    start_level: String,
    accept_within_minutes: i32,
    resolve_within_minutes: i32,
    evidence_required: bool,
    department: Option<String>,
    sort_order: i32,
    active: bool,
    created_at: chrono::NaiveDateTime,
    public: bool,
    workflow: Workflow,
}

impl CategoryRow {
    fn into_core(self) -> Result<Category> {
        let start_level =
            RegionLevel::parse(&self.start_level).ok_or_else(|| StorageError::Corrupt {
                table: "categories",
                reason: format!("start_level {:?}", self.start_level),
            })?;
        Ok(Category {
            code: self.code,
            name: self.name,
            name_en: self.name_en,
            start_level,
            accept_within_minutes: self.accept_within_minutes,
            resolve_within_minutes: self.resolve_within_minutes,
            evidence_required: self.evidence_required,
            department: self.department,
            sort_order: self.sort_order,
            active: self.active,
            public: self.public,
            workflow: self.workflow,
        })
    }
}

/// Inserts one category (already validated with `Category::validate`).
pub fn insert(conn: &mut DbConn, category: &Category) -> Result<()> {
    let row = CategoryRow {
        code: category.code.clone(),
        name: category.name.clone(),
        name_en: category.name_en.clone(),
        start_level: category.start_level.as_str().to_owned(),
        accept_within_minutes: category.accept_within_minutes,
        resolve_within_minutes: category.resolve_within_minutes,
        evidence_required: category.evidence_required,
        department: category.department.clone(),
        sort_order: category.sort_order,
        active: category.active,
        created_at: time::to_db(time::now()),
        public: category.public,
        workflow: category.workflow,
    };
    diesel::insert_into(categories::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Every category in picker order (`sort_order`, then code); inactive ones only when asked.
pub fn list(conn: &mut DbConn, include_inactive: bool) -> Result<Vec<Category>> {
    let mut query = categories::table
        .select(CategoryRow::as_select())
        .order((categories::sort_order, categories::code))
        .into_boxed();
    if !include_inactive {
        query = query.filter(categories::active.eq(true));
    }
    query
        .load(conn)?
        .into_iter()
        .map(CategoryRow::into_core)
        .collect()
}

/// The category with this code (active or not).
pub fn find(conn: &mut DbConn, code: &str) -> Result<Option<Category>> {
    categories::table
        .find(code)
        .select(CategoryRow::as_select())
        .first(conn)
        .optional()?
        .map(CategoryRow::into_core)
        .transpose()
}

/// Replaces a category's definition (already validated); the code stays. Returns whether it
/// existed.
pub fn update(conn: &mut DbConn, category: &Category) -> Result<bool> {
    let changed = diesel::update(categories::table.find(&category.code))
        .set((
            categories::name.eq(&category.name),
            categories::name_en.eq(&category.name_en),
            categories::start_level.eq(category.start_level.as_str()),
            categories::accept_within_minutes.eq(category.accept_within_minutes),
            categories::resolve_within_minutes.eq(category.resolve_within_minutes),
            categories::evidence_required.eq(category.evidence_required),
            categories::department.eq(category.department.as_deref()),
            categories::sort_order.eq(category.sort_order),
            categories::active.eq(category.active),
            categories::public.eq(category.public),
            categories::workflow.eq(category.workflow),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}
