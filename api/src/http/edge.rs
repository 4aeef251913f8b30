//! Text the API refuses at the edge, before any handler or database sees it: control
//! characters.
//!
//! PostgreSQL cannot store a NUL in text (the insert fails), and no other control character
//! belongs in a name, a title, a slug or an address: they hide text in logs, exports and mail
//! headers. Every string of a request is checked here: the path and each query parameter
//! (percent-decoded) refuse every control character (400 `invalid_parameter`), and each string
//! of a JSON or CSV body refuses them except tab, line feed and carriage return, which
//! multi-line texts use (400 `invalid_body`). The field error's code is `control_character`.

use crate::app::error::AppError;
use plaza_domain::{FieldCode, FieldError};

/// The code of every field error raised here.
pub const CONTROL_CHARACTER: FieldCode = FieldCode::ControlCharacter;

/// Whether `c` is refused: a control character (Unicode Cc: C0, DEL, C1), except, where
/// `multiline`, tab, line feed and carriage return.
fn refused(c: char, multiline: bool) -> bool {
    c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r'))
}

fn control_error(field: impl Into<String>, what: &str) -> FieldError {
    FieldError::new(
        field,
        CONTROL_CHARACTER,
        format!("The {what} contains a control character (such as NUL), which is not allowed."),
    )
}

fn has_refused(text: &str) -> bool {
    text.chars().any(|c| refused(c, false))
}

/// Checks the path and the query of a request's URI, percent-decoded (the query as a form:
/// `+` is a space); invalid UTF-8 reads as replacement characters, which are not controls.
pub fn check_uri(uri: &poem::http::Uri) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if has_refused(&percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy()) {
        errors.push(control_error("path", "path"));
    }
    let query = uri.query().unwrap_or_default().as_bytes();
    for (name, value) in url::form_urlencoded::parse(query) {
        if has_refused(&name) || has_refused(&value) {
            let field = if has_refused(&name) || name.is_empty() {
                "query".to_string()
            } else {
                name.chars().take(64).collect()
            };
            errors.push(control_error(field, "parameter"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::InvalidParameter(errors))
    }
}

/// Checks every string (and every key) of a JSON body; field paths as in schema errors
/// (`phases.0.title`).
pub fn check_json(value: &serde_json::Value) -> Result<(), AppError> {
    let mut errors = Vec::new();
    walk(value, &mut String::new(), &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::InvalidBody(errors))
    }
}

fn walk(value: &serde_json::Value, path: &mut String, errors: &mut Vec<FieldError>) {
    const MAX_REPORTED: usize = 20;
    if errors.len() >= MAX_REPORTED {
        return;
    }
    let field = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        serde_json::Value::String(text) if text.chars().any(|c| refused(c, true)) => {
            errors.push(control_error(field(path), "text"));
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let length = path.len();
                push_segment(path, &index.to_string());
                walk(item, path, errors);
                path.truncate(length);
            }
        }
        serde_json::Value::Object(members) => {
            for (key, member) in members {
                if key.chars().any(|c| refused(c, false)) {
                    errors.push(control_error(field(path), "field name"));
                    continue;
                }
                let length = path.len();
                push_segment(path, key);
                walk(member, path, errors);
                path.truncate(length);
            }
        }
        _ => {}
    }
}

fn push_segment(path: &mut String, segment: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(segment);
}

/// Checks a text body (CSV): the first line holding a refused character is named.
pub fn check_text(text: &str) -> Result<(), AppError> {
    match text
        .lines()
        .position(|line| line.chars().any(|c| refused(c, true)))
    {
        None => Ok(()),
        Some(index) => Err(AppError::InvalidBody(vec![FieldError::new(
            format!("line {}", index + 1),
            CONTROL_CHARACTER,
            "This line contains a control character (such as NUL), which is not allowed.",
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(error: AppError) -> Vec<(String, &'static str)> {
        match error {
            AppError::InvalidParameter(errors) | AppError::InvalidBody(errors) => errors
                .into_iter()
                .map(|e| (e.field, e.code.as_str()))
                .collect(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_nul_anywhere_in_the_url_is_refused() {
        let uri = |text: &str| text.parse::<poem::http::Uri>().unwrap();
        assert!(check_uri(&uri("/api/v1/processes/ok-slug?limit=20&q=caf%C3%A9+bar")).is_ok());
        assert_eq!(
            fields(check_uri(&uri("/api/v1/processes/a%00b")).unwrap_err()),
            vec![("path".to_string(), CONTROL_CHARACTER.as_str())]
        );
        assert_eq!(
            fields(check_uri(&uri("/api/v1/processes?cursor=a%01b&limit=3")).unwrap_err()),
            vec![("cursor".to_string(), CONTROL_CHARACTER.as_str())]
        );
        // DEL and a C1 control (U+0085, next line) encoded in UTF-8.
        assert!(check_uri(&uri("/x?q=%7F")).is_err());
        assert!(check_uri(&uri("/x?q=%C2%85")).is_err());
        assert!(check_uri(&uri("/x?q%00=1")).is_err());
        // A stray percent sign is not an escape.
        assert!(check_uri(&uri("/x?q=100%25&r=50%")).is_ok());
    }

    #[test]
    fn bodies_keep_tabs_and_newlines_but_no_other_control() {
        let ok = serde_json::json!({ "body": "line one\nline\ttwo\r\n", "n": 3 });
        assert!(check_json(&ok).is_ok());
        let bad = serde_json::json!({
            "title": { "ca": "a\u{0}b" },
            "phases": [{ "name": "ok" }, { "name": "x\u{1b}[31m" }],
        });
        assert_eq!(
            fields(check_json(&bad).unwrap_err()),
            vec![
                ("title.ca".to_string(), CONTROL_CHARACTER.as_str()),
                ("phases.1.name".to_string(), CONTROL_CHARACTER.as_str()),
            ]
        );
        assert!(check_json(&serde_json::json!({ "a\u{0}": 1 })).is_err());
        assert!(check_text("a,b\n1,2\n").is_ok());
        assert_eq!(
            fields(check_text("a,b\n1,2\u{0}\n").unwrap_err()),
            vec![("line 2".to_string(), CONTROL_CHARACTER.as_str())]
        );
    }
}
