//! Identifiers of the things a ballot talks about: budgets, projects, ballots and scopes.
//!
//! Plaza's rows are keyed by UUIDs. The domain does not depend on a UUID crate, so each id is a
//! 128-bit newtype the API converts at its edge (`Uuid::as_u128` / `Uuid::from_u128`). Distinct
//! types keep a project id from being passed where a budget id is expected. `Display` renders the
//! hyphenated lowercase UUID text, the same text clients see, which is also what the receipt's
//! canonical string uses (see [`super::receipt`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a `u128` id newtype rendered as UUID text.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u128);

        impl fmt::Display for $name {
            /// The hyphenated lowercase UUID form, e.g. `0192f0c1-7a3b-7c4d-8e5f-0a1b2c3d4e5f`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_uuid_text(f, self.0)
            }
        }
    };
}

uuid_id!(
    /// A budget of a process (one pot of money for one scope).
    BudgetId
);
uuid_id!(
    /// A costed project of a budget.
    ProjectId
);
uuid_id!(
    /// One resident's ballot in one budget.
    BallotId
);
uuid_id!(
    /// A territorial unit of the organization (city, district, neighbourhood).
    ScopeId
);

/// Writes `value` as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (32 lowercase hex digits in 8-4-4-4-12 groups).
fn write_uuid_text(f: &mut fmt::Formatter<'_>, value: u128) -> fmt::Result {
    let hex = format!("{value:032x}");
    write!(
        f,
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_display_as_uuid_text() {
        let id = BallotId(0x0192_f0c1_7a3b_7c4d_8e5f_0a1b_2c3d_4e5f);
        assert_eq!(id.to_string(), "0192f0c1-7a3b-7c4d-8e5f-0a1b2c3d4e5f");
        assert_eq!(
            ProjectId(7).to_string(),
            "00000000-0000-0000-0000-000000000007"
        );
    }

    #[test]
    fn id_order_matches_the_order_of_their_text() {
        let small = BudgetId(0x0f);
        let large = BudgetId(0xf0 << 64);
        assert!(small < large);
        assert!(small.to_string() < large.to_string());
    }
}
