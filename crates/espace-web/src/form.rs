//! Reading HTML forms: a malformed body is a clear, localised 400 page,
//! never a 500 (and never the framework's plain-text rejection).
//!
//! Every field of every form passes one check here, at the boundary: no
//! control character (NUL and the other C0 controls, DEL, the C1
//! controls), except tab, line feed and carriage return in the fields that
//! hold several lines (text areas). A refused field never reaches a use
//! case (PostgreSQL refuses a NUL in text; SQLite would have stored it):
//! the form comes back with a field error tied to that field, in the
//! summary at the top, as any other field error.

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ErrorKind, error_page};
use crate::i18n::{Arg, Tr};
use crate::pages::forms::Fields;
use crate::pages::{Chrome, render};

/// The fields that hold several lines (the text areas of the templates):
/// only there are tab, line feed and carriage return accepted.
pub const MULTILINE_FIELDS: &[&str] = &["message", "note", "closing_note", "reason"];

/// Every field name a person types into, with how it is typed again on
/// the refusal page: its label is `form-field-{name}` (underscores as
/// dashes). A field not listed still gets its error, with a generic label.
const TYPED_FIELDS: &[(&str, &str)] = &[
    ("login", "text"),
    ("password", "password"),
    ("current_password", "password"),
    ("new_password", "password"),
    ("new_password_confirm", "password"),
    ("email", "email"),
    ("new_email", "email"),
    ("phone", "tel"),
    ("title", "text"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("who", "text"),
    ("company", "text"),
    ("reference", "text"),
    ("code", "password"),
    ("recovery_code", "password"),
    ("label", "text"),
    ("number", "text"),
    ("deadline", "text"),
    ("wait_hours", "text"),
    ("q", "text"),
    ("message", "textarea"),
    ("note", "textarea"),
    ("closing_note", "textarea"),
    ("reason", "textarea"),
];

/// Whether `c` may stand in the field `field`.
pub fn allowed(field: &str, c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => MULTILINE_FIELDS.contains(&field),
        c => !c.is_control(),
    }
}

/// A field holding characters it may not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedField {
    pub name: String,
    /// The refused characters, each once, in order of appearance.
    pub characters: Vec<char>,
}

/// The fields of `pairs` that hold a refused character.
pub fn refused_fields(pairs: &[(String, String)]) -> Vec<RefusedField> {
    let mut out: Vec<RefusedField> = Vec::new();
    for (name, value) in pairs {
        let mut characters: Vec<char> = Vec::new();
        for c in name.chars().chain(value.chars()) {
            if !allowed(name, c) && !characters.contains(&c) {
                characters.push(c);
            }
        }
        if characters.is_empty() {
            continue;
        }
        match out.iter_mut().find(|r| &r.name == name) {
            Some(r) => r.characters.extend(characters),
            None => out.push(RefusedField {
                name: name.clone(),
                characters,
            }),
        }
    }
    out
}

/// `value` without the characters the field `field` may not hold.
pub fn cleaned(field: &str, value: &str) -> String {
    value.chars().filter(|c| allowed(field, *c)).collect()
}

/// The static name of a typed field (for the summary's link), if known.
fn typed(name: &str) -> Option<(&'static str, &'static str)> {
    TYPED_FIELDS.iter().find(|(n, _)| *n == name).copied()
}

/// The field error of a refused field, in the page's language.
pub fn refused_message(t: &Tr, r: &RefusedField) -> String {
    let list: Vec<String> = r
        .characters
        .iter()
        .map(|c| format!("U+{:04X}", *c as u32))
        .collect();
    t.fmt(
        "problem-control-characters",
        &[
            ("characters", Arg::S(&list.join(", "))),
            ("count", Arg::N(r.characters.len() as i64)),
        ],
    )
}

/// The refused fields as field errors, for a page that shows its own form
/// again (the sign-in page does).
pub fn refused_errors(t: &Tr, refused: &[RefusedField]) -> Fields {
    let mut f = Fields::default();
    for r in refused {
        let message = refused_message(t, r);
        match typed(&r.name) {
            Some((name, _)) => f.push(name, message),
            None => f.errors.push(crate::pages::FormError {
                field: None,
                message: format!("{} {message}", field_label(t, &r.name)),
            }),
        }
    }
    f
}

fn field_label(t: &Tr, name: &str) -> String {
    match typed(name) {
        Some((n, _)) => t.get(&format!("form-field-{}", n.replace('_', "-"))),
        None => t.fmt("form-field-other", &[("name", Arg::S(name))]),
    }
}

/// One field shown again on the refusal page.
pub struct Shown {
    pub name: &'static str,
    pub label: String,
    /// An `<input>` type, or `textarea`.
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
}

/// The form, sent again: the refused fields (cleaned, to be checked) and
/// every secret field (never written back into a page) are shown to be
/// typed again; the others go back as they came, hidden.
#[derive(Template)]
#[template(path = "common/form_refused.html")]
struct RefusedPage {
    c: Chrome,
    action: String,
    /// The page the form was on.
    back: String,
    f: Fields,
    shown: Vec<Shown>,
    hidden: Vec<(String, String)>,
}

fn refusal_page(
    state: &AppState,
    ctx: &Ctx,
    action: String,
    pairs: Vec<(String, String)>,
    refused: &[RefusedField],
) -> Response {
    let t = ctx.tr();
    let f = refused_errors(&t, refused);
    let mut shown: Vec<Shown> = Vec::new();
    let mut hidden = Vec::new();
    for (name, value) in pairs {
        if name == "csrf_token" {
            continue;
        }
        let is_refused = refused.iter().any(|r| r.name == name);
        match typed(&name) {
            Some((n, kind)) if is_refused || kind == "password" => {
                if shown.iter().any(|s| s.name == n) {
                    continue;
                }
                shown.push(Shown {
                    name: n,
                    label: field_label(&t, n),
                    kind,
                    value: if kind == "password" {
                        String::new()
                    } else {
                        cleaned(n, &value)
                    },
                    error: f.get(n).map(str::to_owned),
                });
            }
            // Not typed by people (an id, a choice): nothing to type again.
            _ if is_refused => {}
            _ => hidden.push((name, value)),
        }
    }
    let page = RefusedPage {
        c: Chrome::new(state, ctx, "form-refused-title", "form"),
        action,
        back: ctx.back.clone(),
        f,
        shown,
        hidden,
    };
    let mut res = render(ctx, &page);
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    res
}

/// An `application/x-www-form-urlencoded` body. A duplicated field is
/// refused with a 400 (ASVS 5.1.1: parameter pollution is rejected);
/// fields a form does not declare are ignored, never bound. A field
/// holding a control character is refused (see the module): the handler
/// never runs, and the form is shown again with that field's error.
pub struct HtmlForm<T>(pub T);

/// The same body, with its refused fields told rather than refused: for
/// the one page that must still act on them (a sign-in attempt is counted
/// and audited whatever it holds).
pub struct CheckedForm<T> {
    pub form: T,
    pub refused: Vec<RefusedField>,
}

fn fail(ctx: Option<&Ctx>, kind: ErrorKind) -> Response {
    let (locale, id) = ctx.map_or((Default::default(), String::new()), |c| {
        (c.locale, c.client.request_id.clone())
    });
    error_page(locale, &id, kind)
}

/// Reads the body as name/value pairs and as `T`.
async fn read<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
) -> Result<(T, Vec<(String, String)>, Option<Ctx>, String), Response> {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let action = req
        .uri()
        .path_and_query()
        .map_or("/".to_owned(), |p| p.as_str().to_owned());
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(fail(ctx.as_ref(), ErrorKind::UnsupportedMedia));
    }
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|_| fail(ctx.as_ref(), ErrorKind::TooLarge))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| fail(ctx.as_ref(), ErrorKind::BadRequest))?;
    let form: T = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| fail(ctx.as_ref(), ErrorKind::BadRequest))?;
    Ok((form, pairs, ctx, action))
}

impl<T: DeserializeOwned> FromRequest<AppState> for HtmlForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (form, pairs, ctx, action) = read::<T>(req, state).await?;
        let refused = refused_fields(&pairs);
        if refused.is_empty() {
            return Ok(HtmlForm(form));
        }
        let Some(ctx) = ctx else {
            return Err(fail(None, ErrorKind::BadRequest));
        };
        tracing::info!(fields = refused.len(), "form refused: control characters");
        Err(refusal_page(state, &ctx, action, pairs, &refused))
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CheckedForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (form, pairs, _, _) = read::<T>(req, state).await?;
        Ok(CheckedForm {
            form,
            refused: refused_fields(&pairs),
        })
    }
}

/// Whether a request's path or query holds an encoded control character
/// that could reach the database (`%00`…`%1F` but tab, line feed and
/// carriage return, and `%7F`). A URI cannot hold a raw one.
pub fn uri_has_control(path_and_query: &str) -> bool {
    let b = path_and_query.as_bytes();
    b.windows(3).any(|w| {
        if w[0] != b'%' {
            return false;
        }
        let hex = |x: u8| (x as char).to_digit(16);
        match (hex(w[1]), hex(w[2])) {
            (Some(hi), Some(lo)) => {
                let v = hi * 16 + lo;
                (v < 0x20 && !matches!(v, 0x09 | 0x0a | 0x0d)) || v == 0x7f
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_in_text_areas() {
        let r = refused_fields(&pairs(&[
            ("login", "a\0b\0"),
            ("message", "line\r\nnext\tcol"),
            ("note", "bell\u{7}"),
            ("title", "tab\there"),
            ("email", "del\u{7f}"),
            ("company", "ok é ü"),
        ]));
        let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["login", "note", "title", "email"]);
        assert_eq!(r[0].characters, ['\0']);
        assert_eq!(r[2].characters, ['\t']);
        assert_eq!(cleaned("message", "a\0\nb"), "a\nb");
    }

    #[test]
    fn encoded_controls_in_a_uri_are_found() {
        assert!(uri_has_control("/backoffice/logins?q=a%00"));
        assert!(uri_has_control("/users/%1b"));
        assert!(uri_has_control("/x?q=%7F"));
        assert!(!uri_has_control("/x?q=%0A%20%41&next=%2Faccount"));
        assert!(!uri_has_control("/x?q=100%"));
    }
}
