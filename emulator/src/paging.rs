//! `limit`/`page` pagination with opaque `opc-next-page` tokens, for every list that pages that
//! way (Object Storage ListBuckets, multipart lists, IAM and Data Flow lists). Object Storage
//! ListObjects pages by `nextStartWith` in its body instead and does not use this.

use crate::error::ApiError;
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Cut one page out of the full, already sorted and filtered list.
///
/// `limit` defaults to and is capped at `max` (values above `max` are clamped, below 1 are
/// rejected); `page` is a token from a previous call. Returns the page and the next token,
/// absent on the last page.
pub fn paginate<T>(
    items: Vec<T>,
    limit: Option<i64>,
    page: Option<&str>,
    max: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = match limit {
        None => max,
        Some(l) if l < 1 => {
            return Err(ApiError::invalid_parameter(format!(
                "limit must be at least 1, got {l}"
            )));
        }
        Some(l) => (l as usize).min(max),
    };
    let offset = match page {
        None | Some("") => 0,
        Some(token) => decode(token).ok_or_else(|| {
            ApiError::invalid_parameter(format!("page token '{token}' is not valid"))
        })?,
    };
    let total = items.len();
    let page_items: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let end = offset + page_items.len();
    let next = (end < total).then(|| encode(end));
    Ok((page_items, next))
}

fn encode(offset: usize) -> String {
    // "1:" mirrors the shape of real Object Storage tokens; the rest is opaque to clients.
    format!("1:{}", URL_SAFE_NO_PAD.encode(format!("o{offset}")))
}

fn decode(token: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(token.strip_prefix("1:")?).ok()?;
    std::str::from_utf8(&raw)
        .ok()?
        .strip_prefix('o')?
        .parse()
        .ok()
}

/// Response headers for a page: `opc-next-page` when there is one.
pub fn next_page_headers(next: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(n) = next
        && let Ok(v) = HeaderValue::from_str(n)
    {
        h.insert("opc-next-page", v);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_all_pages_then_stops() {
        let items: Vec<u32> = (0..5).collect();
        let (p1, n1) = paginate(items.clone(), Some(2), None, 1000).unwrap();
        assert_eq!(p1, vec![0, 1]);
        let (p2, n2) = paginate(items.clone(), Some(2), n1.as_deref(), 1000).unwrap();
        assert_eq!(p2, vec![2, 3]);
        let (p3, n3) = paginate(items.clone(), Some(2), n2.as_deref(), 1000).unwrap();
        assert_eq!((p3, n3), (vec![4], None));
        assert!(paginate(items.clone(), Some(0), None, 1000).is_err());
        assert!(paginate(items, None, Some("garbage"), 1000).is_err());
    }
}
