//! Pagination of long lists: an opaque cursor (the offset of the next item) and a limit.

use serde::Serialize;

use crate::api::ApiError;

/// Largest page.
pub const MAX_LIMIT: usize = 500;

/// Which page of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    /// The `next_cursor` of the previous page; `None` for the first.
    pub cursor: Option<String>,
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<usize>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Paged<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: usize,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl Paging {
    /// Cuts one page out of `all`.
    pub fn apply<T>(&self, all: Vec<T>) -> Result<Paged<T>, ApiError> {
        let limit = self.limit.unwrap_or(100);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::Invalid(format!("limit must be 1..={MAX_LIMIT}, got {limit}")));
        }
        let total = all.len();
        let start = match &self.cursor {
            None => 0,
            Some(c) => c.parse::<usize>().ok().filter(|&o| o <= total).ok_or_else(|| {
                ApiError::Invalid(format!(
                    "invalid cursor '{c}' (use a next_cursor from a previous page)"
                ))
            })?,
        };
        let end = (start + limit).min(total);
        let next_cursor = (end < total).then(|| end.to_string());
        let items = all.into_iter().skip(start).take(end - start).collect();
        Ok(Paged { items, total, next_cursor })
    }
}
