//! Translatable official texts and locale negotiation (DESIGN §3).
//!
//! Process, phase, scope, budget and project titles are written by the city in several languages:
//! a [`TranslatedText`] maps a locale (`ca`, `es`, `en`, ...) to the text. It must contain the
//! organization's default locale, which is the fallback whenever the reader's language is missing.
//! [`negotiate`] picks the locale to render from an `Accept-Language` header.

use crate::error::{FieldCode, FieldError};
use std::collections::BTreeMap;

/// A text in one or more locales; always has the organization's default locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslatedText(BTreeMap<String, String>);

impl TranslatedText {
    /// Validates a map of translations for `field`: every locale must be one the organization
    /// offers, the default locale must be present, and each text must be at most `max_chars`
    /// characters as sent (spaces at either end count, as a form's `maxlength` counts them) and
    /// not blank; texts are kept trimmed.
    pub fn parse(
        field: &str,
        raw: &BTreeMap<String, String>,
        available_locales: &[String],
        default_locale: &str,
        max_chars: usize,
    ) -> Result<TranslatedText, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut texts = BTreeMap::new();
        for (locale, text) in raw {
            let path = format!("{field}.{locale}");
            if !available_locales.iter().any(|l| l == locale) {
                errors.push(FieldError::new(
                    path,
                    FieldCode::UnknownLocale,
                    format!(
                        "The organization offers the locales {}.",
                        available_locales.join(", ")
                    ),
                ));
                continue;
            }
            let length = text.chars().count();
            let text = text.trim();
            if text.is_empty() {
                errors.push(FieldError::new(
                    path,
                    FieldCode::Required,
                    "The text is empty.",
                ));
            } else if length > max_chars {
                errors.push(FieldError::new(
                    path,
                    FieldCode::TooLong,
                    format!("Use at most {max_chars} characters."),
                ));
            } else {
                texts.insert(locale.clone(), text.to_string());
            }
        }
        if !raw.contains_key(default_locale) {
            errors.push(FieldError::new(
                format!("{field}.{default_locale}"),
                FieldCode::Required,
                format!("A text in the default locale ({default_locale}) is required."),
            ));
        }
        if errors.is_empty() {
            Ok(TranslatedText(texts))
        } else {
            Err(errors)
        }
    }

    /// Wraps stored translations that were validated when written.
    pub fn from_stored(texts: BTreeMap<String, String>) -> TranslatedText {
        TranslatedText(texts)
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The text in `locale`, else in `default_locale`, else any text there is.
    pub fn render(&self, locale: &str, default_locale: &str) -> &str {
        self.0
            .get(locale)
            .or_else(|| self.0.get(default_locale))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }
}

/// A person's chosen locale: one the organization offers, or its default when none is given.
pub fn choose_locale(
    field: &str,
    raw: Option<&str>,
    available: &[String],
    default: &str,
) -> Result<String, FieldError> {
    match raw {
        None => Ok(default.to_string()),
        Some(locale) if available.iter().any(|l| l == locale) => Ok(locale.to_string()),
        Some(_) => Err(FieldError::new(
            field,
            FieldCode::UnknownLocale,
            format!("Choose one of {}.", available.join(", ")),
        )),
    }
}

/// Picks the best of `available` locales for an `Accept-Language` header value, honouring
/// quality values and matching a regional tag (`es-ES`) to its language (`es`); `default` when
/// nothing matches or no header was sent.
pub fn negotiate<'a>(
    accept_language: Option<&str>,
    available: &'a [String],
    default: &'a str,
) -> &'a str {
    let Some(header) = accept_language else {
        return default;
    };
    let mut preferences: Vec<(u16, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(order, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim().to_ascii_lowercase();
            if tag.is_empty() {
                return None;
            }
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let permille = (quality.clamp(0.0, 1.0) * 1000.0).round() as u16;
            (permille > 0).then_some((permille, order, tag))
        })
        .collect();
    preferences.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, tag) in &preferences {
        let language = tag.split('-').next().unwrap_or(tag);
        if let Some(found) = available
            .iter()
            .find(|l| l.eq_ignore_ascii_case(tag))
            .or_else(|| available.iter().find(|l| l.eq_ignore_ascii_case(language)))
        {
            return found;
        }
    }
    default
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Vec<String> {
        vec!["ca".into(), "es".into(), "en".into()]
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_translation_needs_the_default_locale() {
        let errors = TranslatedText::parse("title", &map(&[("es", "Hola")]), &locales(), "ca", 150)
            .unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code.as_str()),
            ("title.ca", "required")
        );
    }

    #[test]
    fn unknown_locales_and_empty_texts_are_refused() {
        let errors = TranslatedText::parse(
            "title",
            &map(&[("ca", " "), ("fr", "Bonjour")]),
            &locales(),
            "ca",
            150,
        )
        .unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![("title.ca", "required"), ("title.fr", "unknown_locale")]
        );
    }

    #[test]
    fn texts_are_kept_trimmed_and_their_maximum_counts_the_text_as_sent() {
        let parse =
            |text: &str| TranslatedText::parse("title", &map(&[("ca", text)]), &locales(), "ca", 6);
        assert_eq!(parse(" Hola ").unwrap().as_map()["ca"], "Hola");
        assert_eq!(parse("Hola   ").unwrap_err()[0].code, "too_long");
    }

    #[test]
    fn rendering_falls_back_to_the_default_locale() {
        let text = TranslatedText::parse(
            "title",
            &map(&[("ca", "Pressupostos"), ("es", "Presupuestos")]),
            &locales(),
            "ca",
            150,
        )
        .unwrap();
        assert_eq!(text.render("es", "ca"), "Presupuestos");
        assert_eq!(text.render("en", "ca"), "Pressupostos");
    }

    #[test]
    fn a_chosen_locale_must_be_offered() {
        assert_eq!(
            choose_locale("locale", None, &locales(), "ca"),
            Ok("ca".to_string())
        );
        assert_eq!(
            choose_locale("locale", Some("es"), &locales(), "ca"),
            Ok("es".to_string())
        );
        assert_eq!(
            choose_locale("locale", Some("fr"), &locales(), "ca")
                .unwrap_err()
                .code,
            "unknown_locale"
        );
    }

    #[test]
    fn accept_language_is_negotiated_by_quality() {
        let available = locales();
        assert_eq!(
            negotiate(Some("fr-FR, es-ES;q=0.8, en;q=0.9"), &available, "ca"),
            "en"
        );
        assert_eq!(negotiate(Some("es-ES"), &available, "ca"), "es");
        assert_eq!(negotiate(Some("de, fr"), &available, "ca"), "ca");
        assert_eq!(negotiate(Some("en;q=0, es;q=0.1"), &available, "ca"), "es");
        assert_eq!(negotiate(None, &available, "ca"), "ca");
    }
}
