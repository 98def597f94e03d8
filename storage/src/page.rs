//! Cursor pagination: lists ordered by id (UUIDv7, so creation order), resumed after the last id.

/// Largest page a caller may ask for.
pub const MAX_LIMIT: i64 = 1000;

/// One page of a list and the cursor to the next, `None` on the last page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in id order.
    pub items: Vec<T>,
    /// Opaque cursor to pass back for the next page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> String) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(id_of)
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_only_signals_more() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next_cursor.as_deref(), Some("2"));
        let last = Page::from_rows(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(last.next_cursor, None);
    }
}
