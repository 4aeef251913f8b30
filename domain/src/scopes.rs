//! Territorial scopes: city → district → neighbourhood (DESIGN §1).
//!
//! A scope has a code (what census files and imports use), a kind, and a parent. The tree must
//! stay a tree: [`creates_cycle`] refuses moving a scope under itself or its descendants.

use crate::error::FieldError;
use std::collections::HashMap;
use std::hash::Hash;

/// An organization's code for a scope: 1..=32 ASCII letters, digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopeCode(String);

impl ScopeCode {
    pub fn parse(field: &str, raw: &str) -> Result<ScopeCode, FieldError> {
        let code = raw.trim();
        if (1..=32).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            Ok(ScopeCode(code.to_string()))
        } else {
            Err(FieldError::new(
                field,
                "invalid_code",
                "Use 1 to 32 letters, digits, '-' or '_'.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    City,
    District,
    Neighbourhood,
    Other,
}

impl ScopeKind {
    pub const ALL: [ScopeKind; 4] = [
        ScopeKind::City,
        ScopeKind::District,
        ScopeKind::Neighbourhood,
        ScopeKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::City => "city",
            ScopeKind::District => "district",
            ScopeKind::Neighbourhood => "neighbourhood",
            ScopeKind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<ScopeKind> {
        ScopeKind::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// Whether putting `scope` under `new_parent` would make it its own ancestor, given every
/// scope's current parent.
pub fn creates_cycle<Id: Copy + Eq + Hash>(
    scope: Id,
    new_parent: Id,
    parents: &HashMap<Id, Option<Id>>,
) -> bool {
    let mut current = Some(new_parent);
    // A walk longer than the number of scopes is itself a cycle in the stored data.
    for _ in 0..=parents.len() {
        match current {
            Some(id) if id == scope => return true,
            Some(id) => current = parents.get(&id).copied().flatten(),
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_and_plain() {
        assert_eq!(ScopeCode::parse("code", " B31 ").unwrap().as_str(), "B31");
        assert_eq!(
            ScopeCode::parse("code", "Gràcia").unwrap_err().code,
            "invalid_code"
        );
        assert_eq!(
            ScopeCode::parse("code", "").unwrap_err().code,
            "invalid_code"
        );
    }

    #[test]
    fn a_scope_cannot_move_under_itself_or_its_descendants() {
        // 1 (city) > 2 (district) > 3 (neighbourhood); 4 is another root.
        let parents = HashMap::from([(1, None), (2, Some(1)), (3, Some(2)), (4, None)]);
        assert!(creates_cycle(1, 3, &parents));
        assert!(creates_cycle(2, 2, &parents));
        assert!(!creates_cycle(3, 4, &parents));
        assert!(!creates_cycle(2, 1, &parents));
    }
}
