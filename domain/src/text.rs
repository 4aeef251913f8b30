//! Plain text written by residents (proposal titles and bodies, debates, comments, conclusions).
//!
//! One rule for all of it: the text is trimmed, put in Unicode normalisation form C (so that
//! "é" typed as one character or as "e" + accent is the same text, of the same length), and
//! measured in characters, never bytes. Line breaks and tabs are kept; other control characters
//! are refused. Nothing is interpreted: `<script>` is five characters of text, stored and served
//! as written, and rendering it inert is the frontend's job (the API never produces HTML).

use crate::error::{FieldCode, FieldError};
use unicode_normalization::UnicodeNormalization;

/// A piece of plain text that passed its length rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlainText(String);

/// The lengths a text may have, in characters after trimming and normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Length {
    pub min: usize,
    pub max: usize,
}

impl Length {
    pub const fn between(min: usize, max: usize) -> Length {
        Length { min, max }
    }
}

impl PlainText {
    /// Reads `raw` as the text of `field`, within `length`.
    pub fn parse(field: &str, raw: &str, length: Length) -> Result<PlainText, FieldError> {
        let text: String = raw.trim().nfc().collect();
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(FieldError::new(
                field,
                FieldCode::InvalidCharacters,
                "Remove the control characters from the text.",
            ));
        }
        let count = text.chars().count();
        if count == 0 && length.min > 0 {
            return Err(FieldError::new(
                field,
                FieldCode::Required,
                "The text is empty.",
            ));
        }
        if count < length.min {
            return Err(FieldError::new(
                field,
                FieldCode::TooShort,
                format!("Write at least {} characters.", length.min),
            ));
        }
        if count > length.max {
            return Err(FieldError::new(
                field,
                FieldCode::TooLong,
                format!("Use at most {} characters.", length.max),
            ));
        }
        Ok(PlainText(text))
    }

    /// A text read back from storage (it passed its rule when it was written).
    pub fn from_stored(text: String) -> PlainText {
        PlainText(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Its length in characters.
    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: Length = Length::between(15, 150);

    #[test]
    fn text_is_trimmed_and_measured_in_characters_not_bytes() {
        let text = PlainText::parse("title", "  Més arbres a la plaça  ", TITLE).unwrap();
        assert_eq!(text.as_str(), "Més arbres a la plaça");
        assert_eq!(text.chars(), 21);
        let emoji = "🌳".repeat(150);
        assert_eq!(
            PlainText::parse("title", &emoji, TITLE).unwrap().chars(),
            150
        );
        let over = "🌳".repeat(151);
        assert_eq!(
            PlainText::parse("title", &over, TITLE).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn decomposed_accents_are_one_character() {
        // "plaça" with a combining cedilla: six code points, five characters once composed.
        let decomposed = "Una plac\u{0327}a amb ombra per a tothom";
        let text = PlainText::parse("title", decomposed, TITLE).unwrap();
        assert_eq!(text.as_str(), "Una plaça amb ombra per a tothom");
    }

    #[test]
    fn markup_is_text_and_control_characters_are_refused() {
        let markup = "<script>alert('hola')</script> al barri";
        assert_eq!(
            PlainText::parse("title", markup, TITLE).unwrap().as_str(),
            markup
        );
        let multiline = PlainText::parse("body", "Primera línia\nSegona\tlínia", TITLE).unwrap();
        assert!(multiline.as_str().contains('\n'));
        assert_eq!(
            PlainText::parse("title", "Una plaça\u{0007} amb ombra", TITLE)
                .unwrap_err()
                .code,
            "invalid_characters"
        );
    }

    #[test]
    fn short_and_empty_texts_are_named() {
        assert_eq!(
            PlainText::parse("title", "   ", TITLE).unwrap_err().code,
            "required"
        );
        let short = PlainText::parse("title", "Arbres", TITLE).unwrap_err();
        assert_eq!(
            (short.field.as_str(), short.code.as_str()),
            ("title", "too_short")
        );
    }
}
