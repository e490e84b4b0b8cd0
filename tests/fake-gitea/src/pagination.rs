//! Pagination as Gitea does it (docs/gitea.md §3): `page` (1-based; missing, ≤0 or non-numeric → 1)
//! and `limit` (≤0 or non-numeric → 30; above 50 silently clamped to 50); a page past the end is
//! `[]`; `X-Total-Count` always; `Link` only on the endpoints and versions that send it.

use std::collections::BTreeMap;

pub const DEFAULT_PAGING_NUM: usize = 30;
pub const MAX_RESPONSE_ITEMS: usize = 50;

/// The page and effective page size a query asks for.
pub fn page_and_limit(query: &BTreeMap<String, String>) -> (usize, usize) {
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let page = usize::try_from(number("page")).ok().filter(|p| *p > 0).unwrap_or(1);
    let limit = match usize::try_from(number("limit")).ok().filter(|l| *l > 0) {
        None => DEFAULT_PAGING_NUM,
        Some(l) => l.min(MAX_RESPONSE_ITEMS),
    };
    (page, limit)
}

/// What a list whose database query pages only when `page > 0` answers (reviews, the
/// timeline, team members: `FindComments`, `FindReviews`): without a positive `page`, every row;
/// with one, that page (docs/gitea.md §3.1).
pub fn page_or_all<T: Clone>(items: &[T], query: &BTreeMap<String, String>) -> Vec<T> {
    let asked = query.get("page").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    if asked <= 0 {
        return items.to_vec();
    }
    let (number, limit) = page_and_limit(query);
    page(items, number, limit)
}

/// One page of `items`.
pub fn page<T: Clone>(items: &[T], page: usize, limit: usize) -> Vec<T> {
    let start = (page - 1).saturating_mul(limit);
    items.iter().skip(start).take(limit).cloned().collect()
}

/// The `Link` header value (`next`, `last`, `first`, `prev`, joined by "," with no space), or
/// `None` when it would be empty (modules/paginator, `SetLinkHeader`).
pub fn link_header(
    base_url: &str,
    path: &str,
    query: &BTreeMap<String, String>,
    total: usize,
    page: usize,
    limit: usize,
) -> Option<String> {
    let last = total.div_ceil(limit).max(1);
    let page = page.min(last);
    let url = |p: usize| {
        let mut q = query.clone();
        q.insert("page".to_owned(), p.to_string());
        let encoded: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("<{}{}?{}>", base_url.trim_end_matches('/'), path, encoded.join("&"))
    };
    let mut links = Vec::new();
    if page * limit < total {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
    }
    if page != last {
        links.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page != 1 {
        links.push(format!("{}; rel=\"first\"", url(1)));
        links.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    (!links.is_empty()).then(|| links.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_and_clamping() {
        assert_eq!(page_and_limit(&q(&[])), (1, 30));
        assert_eq!(page_and_limit(&q(&[("page", "0"), ("limit", "0")])), (1, 30));
        assert_eq!(page_and_limit(&q(&[("page", "x"), ("limit", "500")])), (1, 50));
        assert_eq!(page_and_limit(&q(&[("page", "3"), ("limit", "10")])), (3, 10));
        let items: Vec<u32> = (0..25).collect();
        assert_eq!(page(&items, 3, 10), vec![20, 21, 22, 23, 24]);
        assert!(page(&items, 4, 10).is_empty());
    }

    #[test]
    fn links() {
        let link = link_header("http://h/", "/api/v1/x", &q(&[("limit", "10")]), 25, 1, 10).expect("link");
        assert_eq!(
            link,
            "<http://h/api/v1/x?limit=10&page=2>; rel=\"next\",<http://h/api/v1/x?limit=10&page=3>; rel=\"last\""
        );
        assert_eq!(link_header("http://h", "/x", &q(&[]), 5, 1, 30), None);
    }
}
