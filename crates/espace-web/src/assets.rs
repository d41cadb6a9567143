//! Static files, embedded in the binary.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../static/espace.css");
const JS: &str = include_str!("../static/espace.js");
const FAVICON: &str = include_str!("../static/favicon.svg");
const COMPANION_JS: &str = include_str!("../static/companion.js");
const COMPANION_ICON: &str = include_str!("../static/companion.svg");

pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "espace.css" => (CSS, "text/css; charset=utf-8"),
        "espace.js" => (JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        "companion.js" => (COMPANION_JS, "text/javascript; charset=utf-8"),
        "companion.svg" => (COMPANION_ICON, "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}
