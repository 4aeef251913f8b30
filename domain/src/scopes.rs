//! Territorial scopes: city → district → neighbourhood (DESIGN §1).
//!
//! A scope has a code (what census files and imports use), a kind, and a parent. The tree must
//! stay a tree: [`creates_cycle`] refuses moving a scope under itself or its descendants, and
//! [`check_placement`] keeps it at most [`MAX_DEPTH`] levels deep with its kinds in order (a city
//! holds districts, a district neighbourhoods, never the reverse). Codes are compared without
//! regard to case: they are kept in capitals (`b31` is `B31`).

use crate::error::{FieldCode, FieldError};
use std::collections::HashMap;
use std::hash::Hash;

/// The shortest scope code, in characters after trimming.
pub const MIN_CODE_LENGTH: usize = 1;
/// The longest scope code, in characters as sent (spaces at either end count).
pub const MAX_CODE_LENGTH: usize = 32;
/// The longest name of a scope, in each locale, in characters as sent.
pub const MAX_NAME_LENGTH: usize = 150;

/// An organization's code for a scope: [`MIN_CODE_LENGTH`] to [`MAX_CODE_LENGTH`] ASCII letters,
/// digits, `-` or `_`, trimmed and kept in capitals so that codes differing only in case are one
/// code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopeCode(String);

impl ScopeCode {
    pub fn parse(field: &str, raw: &str) -> Result<ScopeCode, FieldError> {
        let code = raw.trim();
        if raw.chars().count() <= MAX_CODE_LENGTH
            && code.len() >= MIN_CODE_LENGTH
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            Ok(ScopeCode(code.to_ascii_uppercase()))
        } else {
            Err(FieldError::new(
                field,
                FieldCode::InvalidCode,
                format!("Use {MIN_CODE_LENGTH} to {MAX_CODE_LENGTH} letters, digits, '-' or '_'."),
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

    /// The level of a territorial kind (city 0, district 1, neighbourhood 2); `other` has none
    /// and fits anywhere.
    fn rank(self) -> Option<u8> {
        match self {
            ScopeKind::City => Some(0),
            ScopeKind::District => Some(1),
            ScopeKind::Neighbourhood => Some(2),
            ScopeKind::Other => None,
        }
    }

    /// Whether a scope of kind `child` may sit directly under one of this kind.
    pub fn may_hold(self, child: ScopeKind) -> bool {
        match (self.rank(), child.rank()) {
            (Some(parent), Some(child)) => child > parent,
            _ => true,
        }
    }
}

/// The most levels a scope tree may have (a city, its districts and neighbourhoods, and room for
/// five finer levels): deep enough for any territory, shallow enough to render and nest in JSON.
pub const MAX_DEPTH: usize = 8;

/// Where a scope is being put, as [`check_placement`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement<'a> {
    /// The scope's kind.
    pub kind: ScopeKind,
    /// Its parent's kind and depth (a root is at depth 1), `None` for a root.
    pub parent: Option<(ScopeKind, usize)>,
    /// The kinds of its children (none for a new scope).
    pub children: &'a [ScopeKind],
    /// The levels of its subtree, itself included (1 for a leaf).
    pub height: usize,
}

/// Checks a scope's place in the tree: its parent may hold its kind, it may hold its children's
/// kinds, and its subtree ends no deeper than [`MAX_DEPTH`].
pub fn check_placement(placement: Placement<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let parent_depth = placement.parent.map_or(0, |(_, depth)| depth);
    if parent_depth + placement.height > MAX_DEPTH {
        errors.push(FieldError::new(
            "parent_id",
            FieldCode::TooDeep,
            format!("A scope tree has at most {MAX_DEPTH} levels."),
        ));
    }
    if let Some((parent_kind, _)) = placement.parent
        && !parent_kind.may_hold(placement.kind)
    {
        errors.push(FieldError::new(
            "kind",
            FieldCode::KindOutOfOrder,
            format!(
                "A {} cannot be inside a {}.",
                placement.kind.as_str(),
                parent_kind.as_str()
            ),
        ));
    }
    if let Some(child) = placement
        .children
        .iter()
        .find(|child| !placement.kind.may_hold(**child))
    {
        errors.push(FieldError::new(
            "kind",
            FieldCode::KindOutOfOrder,
            format!(
                "A {} cannot hold the {} inside it.",
                placement.kind.as_str(),
                child.as_str()
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
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

/// Whether `scope` is `ancestor` or lies inside it, given every scope's parent (a walk that
/// does not end is not inside).
pub fn is_within<Id: Copy + Eq + Hash>(
    scope: Id,
    ancestor: Id,
    parents: &HashMap<Id, Option<Id>>,
) -> bool {
    let mut current = Some(scope);
    for _ in 0..=parents.len() {
        match current {
            Some(id) if id == ancestor => return true,
            Some(id) => current = parents.get(&id).copied().flatten(),
            None => return false,
        }
    }
    false
}

/// `root` and every scope inside it, given every scope's parent: what a filter "in this scope"
/// keeps (a district's proposals include its neighbourhoods').
pub fn subtree<Id: Copy + Eq + Hash>(root: Id, parents: &HashMap<Id, Option<Id>>) -> Vec<Id> {
    let mut inside = vec![root];
    inside.extend(
        parents
            .keys()
            .copied()
            .filter(|id| *id != root && is_within(*id, root, parents)),
    );
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_lies_within_itself_and_its_ancestors_only() {
        // 1 city > 2 district > 3, 4 neighbourhoods; 5 another district.
        let parents = HashMap::from([
            (1, None),
            (2, Some(1)),
            (3, Some(2)),
            (4, Some(2)),
            (5, Some(1)),
        ]);
        assert!(is_within(3, 2, &parents));
        assert!(is_within(3, 1, &parents));
        assert!(is_within(2, 2, &parents));
        assert!(!is_within(2, 3, &parents));
        assert!(!is_within(3, 5, &parents));
        let mut district = subtree(2, &parents);
        district.sort_unstable();
        assert_eq!(district, [2, 3, 4]);
        assert_eq!(subtree(3, &parents), [3]);
        assert_eq!(subtree(1, &parents).len(), 5);
    }

    #[test]
    fn codes_are_short_and_plain() {
        assert_eq!(ScopeCode::parse("code", " B31 ").unwrap().as_str(), "B31");
        assert_eq!(
            ScopeCode::parse("code", "b31").unwrap(),
            ScopeCode::parse("code", "B31").unwrap(),
            "one code whatever the case"
        );
        assert_eq!(
            ScopeCode::parse("code", "Gràcia").unwrap_err().code,
            "invalid_code"
        );
        assert_eq!(
            ScopeCode::parse("code", "").unwrap_err().code,
            "invalid_code"
        );
        assert!(ScopeCode::parse("code", "  ").is_err());
        let longest = "B".repeat(MAX_CODE_LENGTH);
        assert!(ScopeCode::parse("code", &longest).is_ok());
        assert!(
            ScopeCode::parse("code", &format!("{longest} ")).is_err(),
            "the maximum counts the text as sent"
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

    #[test]
    fn kinds_go_down_the_tree() {
        use ScopeKind::*;
        assert!(City.may_hold(District) && District.may_hold(Neighbourhood));
        assert!(City.may_hold(Neighbourhood));
        assert!(!Neighbourhood.may_hold(City) && !District.may_hold(District));
        assert!(Other.may_hold(City) && Neighbourhood.may_hold(Other));
        let placed = |kind, parent, children: &[ScopeKind]| {
            check_placement(Placement {
                kind,
                parent,
                children,
                height: 1 + usize::from(!children.is_empty()),
            })
            .map_err(|errors| errors.iter().map(|e| e.code.as_str()).collect::<Vec<_>>())
        };
        assert_eq!(placed(Neighbourhood, Some((District, 2)), &[]), Ok(()));
        assert_eq!(
            placed(City, Some((Neighbourhood, 3)), &[]),
            Err(vec!["kind_out_of_order"])
        );
        assert_eq!(
            placed(Neighbourhood, None, &[District]),
            Err(vec!["kind_out_of_order"]),
            "a district cannot stay under a scope turned into a neighbourhood"
        );
    }

    #[test]
    fn a_tree_is_at_most_max_depth_levels() {
        let at = |parent_depth: usize, height: usize| {
            check_placement(Placement {
                kind: ScopeKind::Other,
                parent: Some((ScopeKind::Other, parent_depth)),
                children: &[],
                height,
            })
        };
        assert!(at(MAX_DEPTH - 1, 1).is_ok());
        assert!(at(MAX_DEPTH, 1).is_err());
        assert!(
            at(MAX_DEPTH - 2, 3).is_err(),
            "a moved subtree counts whole"
        );
    }
}
