//! Reading every page of a paginated list (docs/gitea.md §3), to its proven end:
//!
//! - Gitea cuts some lists into pages first and filters them afterwards (docs/gitea.md §3.1): on
//!   reviews, other users' PENDING drafts are dropped from a page while `X-Total-Count` still
//!   counts them, so a page in the middle can come back short or **empty** while later pages hold
//!   rows. An empty page therefore ends the list only once every page the first page's
//!   `X-Total-Count` promises has been read; a list without that header is refused (its end
//!   cannot be proved). A server may clamp `limit` below what was asked, so a short page proves
//!   nothing either: the end is an empty page past the promised ones.
//! - Pages the total promises are fetched concurrently (one round trip for all of them, plus one
//!   for the empty page that proves the end).
//! - Items are de-duplicated by `id` (a row that moved to the next page while we read); a
//!   non-empty page that adds nothing new means the server is not paginating (the same page
//!   forever), and more than `MAX_PAGES` pages or `MAX_LIST_BYTES` bytes in all is refused. Each
//!   is an error, never a silently partial list. Rows without an `id` (changed files) are all
//!   kept: a type change lists one file name twice, and both rows count.

use serde_json::Value;

use super::{ApiError, Client};
use crate::parallel;

/// Gitea's default `MAX_RESPONSE_ITEMS`; larger requests are clamped to it anyway.
pub const PAGE_SIZE: u64 = 50;
/// 20 000 items at 50 a page: twice the 10 000 reviews a hostile pull request is sized for (a
/// list of exactly 10 000 needs 201 pages: 200 full ones and the empty one that proves the end).
pub const MAX_PAGES: u64 = 400;
/// All pages of one list together. A real Gitea review row is about 2 KiB (its `user` object is
/// most of it), so 10 000 reviews are about 20 MiB; this bounds the host's memory whatever a
/// server sends (each page is also bounded by the client's JSON limit).
pub const MAX_LIST_BYTES: u64 = 64 << 20;
/// Pages fetched at once.
const CONCURRENT_PAGES: u64 = 8;

/// Every item of the list at `path`.
pub fn fetch_all(client: &Client, path: &str) -> Result<Vec<Value>, ApiError> {
    fetch_all_query(client, path, &[])
}

/// Every item of the list at `path` with a filter (`state=open`, …) on every page.
pub fn fetch_all_query(client: &Client, path: &str, filter: &[(&str, String)]) -> Result<Vec<Value>, ApiError> {
    fetch_all_counted(client, path, filter).map(|(items, _)| items)
}

/// Every item of the list at `path`, with the `X-Total-Count` of its first page (for lists
/// whose count is exact, so the caller can cross-check it).
pub fn fetch_all_counted(
    client: &Client,
    path: &str,
    filter: &[(&str, String)],
) -> Result<(Vec<Value>, Option<u64>), ApiError> {
    let mut first_total = None;
    let mut items = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut bytes = 0u64;
    // Every page up to here must be read before an empty page can end the list.
    let mut promised = 0;
    // Pages 1 and 2 together: most lists fit one page, and the empty page 2 proves it in the
    // same round trip.
    let (mut next, mut batch_end) = (1, 2);
    loop {
        if batch_end > MAX_PAGES {
            return Err(ApiError::shape(
                client.url(path),
                format!("the list did not end within {MAX_PAGES} pages of {PAGE_SIZE}; refusing a partial answer"),
            ));
        }
        let numbers: Vec<u64> = (next..=batch_end).collect();
        let pages = parallel::map(&numbers, CONCURRENT_PAGES as usize, |&n| fetch_page(client, path, filter, n));
        let mut ended = None;
        for (n, page) in numbers.iter().zip(pages) {
            let page = page?;
            if let Some(end) = ended {
                // Read in the same batch: nothing may follow the page that ended the list.
                if !page.items.is_empty() {
                    return Err(ApiError::shape(
                        format!("{}?page={n}", client.url(path)),
                        format!("the list goes on after its empty page {end}; refusing a list whose end is unclear"),
                    ));
                }
                continue;
            }
            bytes = bytes.saturating_add(page.bytes);
            if bytes > MAX_LIST_BYTES {
                return Err(ApiError::shape(
                    client.url(path),
                    format!("the list exceeds {MAX_LIST_BYTES} bytes; refusing to hold more (or a partial answer)"),
                ));
            }
            if *n == 1 {
                let total = page.total.ok_or_else(|| {
                    ApiError::shape(
                        client.url(path),
                        "the list came without X-Total-Count, so its end cannot be proved; refusing a partial answer",
                    )
                })?;
                first_total = Some(total);
                promised = total.div_ceil(PAGE_SIZE);
            }
            // An empty page within the promised ones was filtered empty; past them, it is the end.
            if page.items.is_empty() && *n > promised {
                ended = Some(*n);
                continue;
            }
            add_page(client, path, *n, page.items, &mut items, &mut seen)?;
        }
        if ended.is_some() {
            return Ok((items, first_total));
        }
        next = batch_end + 1;
        // Then every page the total still promises, and one more, a batch at a time, until a
        // page past them comes back empty.
        let batch = (promised + 1).saturating_sub(next - 1).clamp(1, CONCURRENT_PAGES * 4);
        batch_end = next + batch - 1;
    }
}

struct Page {
    items: Vec<Value>,
    total: Option<u64>,
    /// Size of the body as received.
    bytes: u64,
}

fn fetch_page(client: &Client, path: &str, filter: &[(&str, String)], page: u64) -> Result<Page, ApiError> {
    let mut query = filter.to_vec();
    query.extend([("page", page.to_string()), ("limit", PAGE_SIZE.to_string())]);
    let response = client.get_bytes(path, &query, client.config().max_json_bytes)?;
    let bytes = response.body.len() as u64;
    let body: Value = serde_json::from_slice(&response.body).map_err(|e| {
        ApiError::new(format!("{}?page={page}", client.url(path)), super::Failure::BadJson(e.to_string()))
    })?;
    match body {
        Value::Array(items) => Ok(Page { items, total: response.total_count, bytes }),
        other => Err(ApiError::shape(
            format!("{}?page={page}", client.url(path)),
            format!("expected a JSON array, got {}", kind(&other)),
        )),
    }
}

fn add_page(
    client: &Client,
    path: &str,
    number: u64,
    page: Vec<Value>,
    items: &mut Vec<Value>,
    seen: &mut std::collections::HashSet<i64>,
) -> Result<(), ApiError> {
    let was_empty = page.is_empty();
    let mut added = 0usize;
    for item in page {
        if !item.is_object() {
            return Err(ApiError::shape(
                format!("{}?page={number}", client.url(path)),
                format!("expected objects in the list, got {}", kind(&item)),
            ));
        }
        if let Some(id) = item.get("id").and_then(Value::as_i64)
            && !seen.insert(id)
        {
            continue;
        }
        added += 1;
        items.push(item);
    }
    if !was_empty && added == 0 {
        return Err(ApiError::shape(
            format!("{}?page={number}", client.url(path)),
            "page repeats items already seen: the server is not paginating; refusing a partial answer",
        ));
    }
    Ok(())
}

pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
