//! Where a budget applies and where a resident lives, and whether the one contains the other.
//!
//! Scopes form a tree (city → district → neighbourhood) stored by the API. The domain never walks
//! that tree: the API passes the resident's [`ScopeAncestry`] (their own scope, then its parent,
//! up to the root), and containment is a lookup in that list. A budget is either
//! [`BudgetScope::CityWide`] (every resident) or placed in one scope.

use super::ids::ScopeId;
use serde::{Deserialize, Serialize};

/// The territory a budget is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetScope {
    /// The whole organization: every resident is inside it.
    CityWide,
    /// One scope (typically a district) and everything below it.
    Scope(ScopeId),
}

impl BudgetScope {
    /// Whether a resident living at `resident` lives inside this budget's territory.
    pub fn contains(&self, resident: &ScopeAncestry) -> bool {
        match self {
            BudgetScope::CityWide => true,
            BudgetScope::Scope(scope) => resident.is_within(*scope),
        }
    }
}

/// A resident's scope followed by each of its ancestors, nearest first: for a neighbourhood of
/// Barcelona, `[neighbourhood, district, city]`. Built by the API from the scope tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeAncestry {
    own: ScopeId,
    ancestors: Vec<ScopeId>,
}

impl ScopeAncestry {
    /// The ancestry of a resident living in `own`, whose parent, grandparent, ... are `ancestors`.
    pub fn new(own: ScopeId, ancestors: impl IntoIterator<Item = ScopeId>) -> ScopeAncestry {
        ScopeAncestry {
            own,
            ancestors: ancestors.into_iter().collect(),
        }
    }

    /// The scope the resident lives in (the most precise one the census gives).
    pub fn own(&self) -> ScopeId {
        self.own
    }

    /// Whether the resident's scope is `scope` or lies below it.
    pub fn is_within(&self, scope: ScopeId) -> bool {
        self.own == scope || self.ancestors.contains(&scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::budgets::fixtures::{CITY, GRACIA, SANTS, VILA_DE_GRACIA};

    fn lives_in_vila_de_gracia() -> ScopeAncestry {
        ScopeAncestry::new(VILA_DE_GRACIA, [GRACIA, CITY])
    }

    #[test]
    fn a_district_budget_contains_the_residents_of_its_neighbourhoods() {
        assert!(BudgetScope::Scope(GRACIA).contains(&lives_in_vila_de_gracia()));
        assert!(BudgetScope::Scope(VILA_DE_GRACIA).contains(&lives_in_vila_de_gracia()));
    }

    #[test]
    fn a_district_budget_excludes_residents_of_other_districts() {
        assert!(!BudgetScope::Scope(SANTS).contains(&lives_in_vila_de_gracia()));
    }

    #[test]
    fn a_neighbourhood_budget_excludes_the_rest_of_its_district() {
        let lives_in_gracia_itself = ScopeAncestry::new(GRACIA, [CITY]);
        assert!(!BudgetScope::Scope(VILA_DE_GRACIA).contains(&lives_in_gracia_itself));
    }

    #[test]
    fn a_city_wide_budget_contains_everyone() {
        assert!(BudgetScope::CityWide.contains(&lives_in_vila_de_gracia()));
        assert!(BudgetScope::CityWide.contains(&ScopeAncestry::new(SANTS, [])));
        assert_eq!(lives_in_vila_de_gracia().own(), VILA_DE_GRACIA);
    }
}
