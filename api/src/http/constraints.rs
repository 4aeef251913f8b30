//! What the spec says of request fields beyond their types: the lengths, patterns and formats of
//! the domain's rules, stated here once, from the rules' own constants, so that a frontend can
//! check a form as the server will and a limit changed in `domain` changes the spec with it.
//!
//! They are written into the spec after generation ([`apply`]) rather than as poem-openapi
//! validators: those take literals only, not the rules' constants (and bodies are read by
//! `body::JsonBody`, which leaves every decision on a field to the rule and its field code).
//!
//! The server trims most texts and normalises some (emails and nicknames lowercased, scope codes
//! uppercased), so a constraint states only what holds of the text **as sent**, never refusing
//! what the server accepts: maximum lengths count the text as sent, spaces at either end
//! included, as the rules do (and as a form's `maxlength` does); minimum lengths hold of the
//! trimmed text, hence of the text sent; patterns allow the blanks that trimming removes.
//! Each field's description says what the server does with it.

use plaza_domain::accounts::{self, password};
use plaza_domain::proposals::{TITLE_LENGTH, settings::MIN_BODY};
use plaza_domain::{census, comments, debates, processes, scopes};
use serde_json::Value;

/// What trimming removes and a JSON text may hold (the edge refuses the other control
/// characters): Unicode's white space but vertical tab, form feed and next line.
pub const BLANK: &str =
    "[\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

/// Where in a schema a constraint applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The property itself, a string.
    Field,
    /// Each text of a property that maps locales to texts.
    Texts,
}

/// The constraints of one request field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// The schema, as named in `components.schemas`.
    pub schema: &'static str,
    pub property: &'static str,
    pub target: Target,
    /// In characters (Unicode code points, as JSON Schema and the rules count them).
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// An ECMA-262 regular expression the whole text matches.
    pub pattern: Option<String>,
    /// `email` or `date`.
    pub format: Option<&'static str>,
}

impl Constraint {
    fn new(schema: &'static str, property: &'static str) -> Constraint {
        Constraint {
            schema,
            property,
            target: Target::Field,
            min_length: None,
            max_length: None,
            pattern: None,
            format: None,
        }
    }

    fn texts(mut self) -> Constraint {
        self.target = Target::Texts;
        self
    }

    fn max_length(mut self, max: usize) -> Constraint {
        self.max_length = Some(max);
        self
    }

    fn length(mut self, min: usize, max: Option<usize>) -> Constraint {
        self.min_length = Some(min);
        self.max_length = max;
        self
    }

    fn pattern(mut self, pattern: String) -> Constraint {
        self.pattern = Some(pattern);
        self
    }

    fn format(mut self, format: &'static str) -> Constraint {
        self.format = Some(format);
        self
    }

    /// The JSON Schema keywords of this constraint.
    fn keywords(&self) -> Vec<(&'static str, Value)> {
        let mut keywords = Vec::new();
        if let Some(format) = self.format {
            keywords.push(("format", Value::from(format)));
        }
        if let Some(min) = self.min_length {
            keywords.push(("minLength", Value::from(min)));
        }
        if let Some(max) = self.max_length {
            keywords.push(("maxLength", Value::from(max)));
        }
        if let Some(pattern) = &self.pattern {
            keywords.push(("pattern", Value::from(pattern.as_str())));
        }
        keywords
    }
}

/// A nickname as sent: its letters, digits and underscores (any case: it is lowercased),
/// between blanks.
pub fn nickname_pattern() -> String {
    format!(
        "^{BLANK}*[A-Za-z0-9_]{{{},{}}}{BLANK}*$",
        accounts::MIN_NICKNAME_LENGTH,
        accounts::MAX_NICKNAME_LENGTH
    )
}

/// A slug as sent: lowercase words of letters and digits joined by single hyphens, between
/// blanks.
pub fn slug_pattern() -> String {
    format!("^{BLANK}*[a-z0-9]+(-[a-z0-9]+)*{BLANK}*$")
}

/// A scope code as sent: letters (any case: it is uppercased), digits, `-` and `_`, between
/// blanks.
pub fn scope_code_pattern() -> String {
    format!("^{BLANK}*[A-Za-z0-9_-]+{BLANK}*$")
}

/// A document number as printed: its letters and digits, with separators anywhere.
pub fn document_number_pattern() -> String {
    // In a class `.` and `/` stand for themselves, and `-` does last.
    let mut separators: String = census::DOCUMENT_SEPARATORS
        .iter()
        .filter(|c| **c != '-')
        .map(|c| match c {
            '\t' => "\\t".to_string(),
            other => other.to_string(),
        })
        .collect();
    if census::DOCUMENT_SEPARATORS.contains(&'-') {
        separators.push('-');
    }
    format!(
        "^[{separators}]*([A-Za-z0-9][{separators}]*){{{},{}}}$",
        census::MIN_DOCUMENT_LENGTH,
        census::MAX_DOCUMENT_LENGTH
    )
}

/// Every constrained request field.
pub fn all() -> Vec<Constraint> {
    let email = |schema| {
        Constraint::new(schema, "email")
            .format("email")
            .max_length(accounts::MAX_EMAIL_LENGTH)
    };
    let name = |schema| Constraint::new(schema, "name").length(1, Some(accounts::MAX_NAME_LENGTH));
    let nickname = |schema| {
        Constraint::new(schema, "nickname")
            .length(
                accounts::MIN_NICKNAME_LENGTH,
                Some(accounts::MAX_NICKNAME_LENGTH),
            )
            .pattern(nickname_pattern())
    };
    let new_password = |schema, property| {
        Constraint::new(schema, property).length(password::MIN_LENGTH, Some(password::MAX_LENGTH))
    };
    let scope_code = |schema| {
        Constraint::new(schema, "code")
            .length(scopes::MIN_CODE_LENGTH, Some(scopes::MAX_CODE_LENGTH))
            .pattern(scope_code_pattern())
    };
    let scope_name = |schema| {
        Constraint::new(schema, "name")
            .texts()
            .length(1, Some(scopes::MAX_NAME_LENGTH))
    };
    let slug = |schema| {
        Constraint::new(schema, "slug")
            .length(processes::MIN_SLUG_LENGTH, Some(processes::MAX_SLUG_LENGTH))
            .pattern(slug_pattern())
    };
    let title = |schema| {
        Constraint::new(schema, "title")
            .texts()
            .length(1, Some(processes::MAX_TITLE_LENGTH))
    };
    let title_named = |schema, property| {
        Constraint::new(schema, property)
            .texts()
            .length(1, Some(processes::MAX_TITLE_LENGTH))
    };
    let description = |schema| {
        Constraint::new(schema, "description")
            .texts()
            .length(1, Some(processes::MAX_DESCRIPTION_LENGTH))
    };
    let plain_text = |schema, property, min| Constraint::new(schema, property).length(min, None);
    vec![
        email("RegisterBody"),
        name("RegisterBody"),
        nickname("RegisterBody"),
        new_password("ConfirmBody", "password"),
        email("LoginBody"),
        new_password("PasswordResetConfirmBody", "password"),
        name("UpdateMeBody"),
        nickname("UpdateMeBody"),
        new_password("UpdateMeBody", "new_password"),
        Constraint::new("VerificationBody", "document_number")
            .length(census::MIN_DOCUMENT_LENGTH, None)
            .pattern(document_number_pattern()),
        Constraint::new("VerificationBody", "birth_date").format("date"),
        Constraint::new("JustificationBody", "justification").length(
            accounts::MIN_JUSTIFICATION_LENGTH,
            Some(accounts::MAX_JUSTIFICATION_LENGTH),
        ),
        scope_code("CreateScopeBody"),
        scope_name("CreateScopeBody"),
        scope_code("UpdateScopeBody"),
        scope_name("UpdateScopeBody"),
        slug("CreateProcessBody"),
        title("CreateProcessBody"),
        description("CreateProcessBody"),
        slug("UpdateProcessBody"),
        title("UpdateProcessBody"),
        description("UpdateProcessBody"),
        title("CreateBudgetBody"),
        description("CreateBudgetBody"),
        title("UpdateBudgetBody"),
        description("UpdateBudgetBody"),
        title("CreateProjectBody"),
        description("CreateProjectBody"),
        title("UpdateProjectBody"),
        description("UpdateProjectBody"),
        title("PhaseBody"),
        title_named("CreateCategoryBody", "name"),
        title_named("UpdateCategoryBody", "name"),
        // Plain texts (proposals, debates, comments) count their text trimmed and composed
        // (NFC): only the minimum holds of the text as sent (the maximum of a proposal's body is
        // the process's `proposal_length`).
        plain_text("CreateProposalBody", "title", TITLE_LENGTH.min),
        plain_text("CreateProposalBody", "body", MIN_BODY as usize),
        plain_text("UpdateProposalBody", "title", TITLE_LENGTH.min),
        plain_text("UpdateProposalBody", "body", MIN_BODY as usize),
        plain_text("CreateDebateBody", "title", debates::TITLE_LENGTH.min),
        plain_text(
            "CreateDebateBody",
            "description",
            debates::DESCRIPTION_LENGTH.min,
        ),
        plain_text("UpdateDebateBody", "title", debates::TITLE_LENGTH.min),
        plain_text(
            "UpdateDebateBody",
            "description",
            debates::DESCRIPTION_LENGTH.min,
        ),
        plain_text(
            "CloseDebateBody",
            "conclusions",
            debates::CONCLUSIONS_LENGTH.min,
        ),
        plain_text("CreateCommentBody", "body", comments::BODY_LENGTH.min),
        plain_text("UpdateCommentBody", "body", comments::BODY_LENGTH.min),
    ]
}

/// Writes every constraint into `spec`'s schemas. A constraint whose schema or property the
/// spec lacks is a bug of this table: it panics, and the spec tests fail.
pub fn apply(spec: &mut Value) {
    for constraint in all() {
        let property = spec
            .pointer_mut(&format!(
                "/components/schemas/{}/properties/{}",
                constraint.schema, constraint.property
            ))
            .and_then(Value::as_object_mut);
        let Some(property) = property else {
            panic!(
                "the spec has no property {}.{} to constrain",
                constraint.schema, constraint.property
            );
        };
        let target = match constraint.target {
            Target::Field => Some(property),
            Target::Texts => property
                .get_mut("additionalProperties")
                .and_then(Value::as_object_mut),
        };
        let Some(target) = target.filter(|t| t.get("type") == Some(&Value::from("string"))) else {
            panic!(
                "{}.{} is not a text (or a map of texts) to constrain",
                constraint.schema, constraint.property
            );
        };
        for (keyword, value) in constraint.keywords() {
            target.insert(keyword.into(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plaza_domain::accounts::{Nickname, PersonName};
    use plaza_domain::census::DocumentNumber;
    use plaza_domain::processes::Slug;
    use plaza_domain::scopes::ScopeCode;
    use proptest::prelude::*;

    /// Whether the spec's constraint lets `text` through (all but the format).
    fn spec_accepts(constraint: &Constraint, text: &str) -> bool {
        let length = text.chars().count();
        constraint.min_length.is_none_or(|min| length >= min)
            && constraint.max_length.is_none_or(|max| length <= max)
            && constraint.pattern.as_ref().is_none_or(|pattern| {
                regex::Regex::new(pattern)
                    .expect("a valid pattern")
                    .is_match(text)
            })
    }

    fn constraint(schema: &str, property: &str) -> Constraint {
        all()
            .into_iter()
            .find(|c| c.schema == schema && c.property == property)
            .expect("a constraint")
    }

    /// What the edge lets through in a JSON text.
    fn edge_accepts(text: &str) -> bool {
        !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    }

    #[test]
    fn blank_is_what_trimming_removes_that_a_json_text_may_hold() {
        let blank = regex::Regex::new(&format!("^{BLANK}$")).unwrap();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = c.to_string();
            assert_eq!(
                blank.is_match(&text),
                c.is_whitespace() && edge_accepts(&text),
                "{c:?}"
            );
        }
    }

    /// Texts made of what the rules look at: letters of both cases, digits, the separators and
    /// blanks the rules know, and a few characters they refuse.
    fn texts() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[aZz09_\\-./ \\t\\n\\u{A0}\\u{3000}\\u{B}\\u{85}é*@]{0,70}")
            .expect("a valid regex")
    }

    proptest! {
        #[test]
        fn the_spec_never_refuses_a_text_a_rule_accepts(text in texts()) {
            let checks: [(&str, &str, bool); 6] = [
                ("RegisterBody", "name", PersonName::parse("name", &text).is_ok()),
                ("RegisterBody", "nickname", Nickname::parse("nickname", &text).is_ok()),
                ("CreateScopeBody", "code", ScopeCode::parse("code", &text).is_ok()),
                ("CreateProcessBody", "slug", Slug::parse("slug", &text).is_ok()),
                ("VerificationBody", "document_number", DocumentNumber::parse(&text).is_some()),
                (
                    "JustificationBody",
                    "justification",
                    plaza_domain::accounts::justification("justification", &text).is_ok(),
                ),
            ];
            for (schema, property, accepted) in checks {
                if accepted && edge_accepts(&text) {
                    prop_assert!(
                        spec_accepts(&constraint(schema, property), &text),
                        "{schema}.{property} refuses {text:?}, which the rule accepts"
                    );
                }
            }
        }

        #[test]
        fn what_the_spec_describes_of_codes_the_rules_accept(text in texts()) {
            // Nicknames, scope codes and document numbers are described exactly: a text the
            // spec accepts is one the rule accepts.
            let exact: [(&str, &str, bool); 2] = [
                ("RegisterBody", "nickname", Nickname::parse("nickname", &text).is_ok()),
                ("VerificationBody", "document_number", DocumentNumber::parse(&text).is_some()),
            ];
            for (schema, property, accepted) in exact {
                if spec_accepts(&constraint(schema, property), &text) && edge_accepts(&text) {
                    prop_assert!(accepted, "{schema}.{property} accepts {text:?}, which the rule refuses");
                }
            }
        }
    }

    #[test]
    fn every_constraint_names_a_field_of_the_spec() {
        // `apply` panics on a constraint without its field; the spec is built with it.
        let spec = crate::http::spec_value();
        let register = &spec["components"]["schemas"]["RegisterBody"]["properties"];
        assert_eq!(register["email"]["format"], "email");
        assert_eq!(
            register["name"]["maxLength"],
            Value::from(accounts::MAX_NAME_LENGTH)
        );
        let title = &spec["components"]["schemas"]["PhaseBody"]["properties"]["title"];
        assert_eq!(
            title["additionalProperties"]["maxLength"],
            Value::from(processes::MAX_TITLE_LENGTH)
        );
    }
}
