//! Pagination. Most OCI lists return a JSON array and an `opc-next-page` header to pass back as
//! `page=`; the list ends only when the header is absent — IAM may send a token on a short page
//! and then an empty page without one (oci-api.md §7), so an empty page is not the end signal.
//! Object Storage's ListObjects instead returns `nextStartWith` in the body (see
//! `Client::list_all_objects`).

use std::collections::HashSet;
use std::future::Future;

use crate::client::ResponseMeta;
use crate::error::{Error, Result};

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The `opc-next-page` token, `None` on the last page.
    pub next_page: Option<String>,
    pub meta: ResponseMeta,
}

/// Calls `fetch(page_token)` from the first page (`None`) until a page has no continuation,
/// collecting every item. A repeated token is an error rather than an endless loop.
pub async fn collect_all<T, F, Fut>(operation: &str, mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = HashSet::new();
    loop {
        let (page, next) = fetch(token.take()).await?;
        items.extend(page);
        match next {
            None => return Ok(items),
            Some(next) => {
                if !seen.insert(next.clone()) {
                    return Err(Error::PaginationLoop {
                        operation: operation.into(),
                        token: next,
                    });
                }
                token = Some(next);
            }
        }
    }
}

/// List requests that carry a `page` token.
pub trait PageRequest: Clone {
    fn set_page(&mut self, page: Option<String>);
}

/// Every page of a list whose one-page call is `fetch(request_with_page)`.
pub async fn all_pages<R, T, F, Fut>(operation: &str, request: &R, fetch: F) -> Result<Vec<T>>
where
    R: PageRequest,
    F: Fn(R) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    collect_all(operation, |page| {
        let mut r = request.clone();
        r.set_page(page);
        let next = fetch(r);
        async move {
            let p = next.await?;
            Ok((p.items, p.next_page))
        }
    })
    .await
}

/// Implements [`PageRequest`] for structs with a `page: Option<String>` field.
macro_rules! page_request {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::paginate::PageRequest for $t {
            fn set_page(&mut self, page: Option<String>) {
                self.page = page;
            }
        })*
    };
}
pub(crate) use page_request;
