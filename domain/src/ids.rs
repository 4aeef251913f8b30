//! The identifiers of Plaza's records, one type per kind of record.
//!
//! Every id is a UUID underneath, but a [`UserId`] is not a [`ProcessId`]: a function that takes
//! `(OrganizationId, UserId)` cannot be called with its arguments swapped, and a handler cannot
//! look a scope up by a process's id. The storage layer converts at its edge (`.uuid()` into a
//! query, `From<Uuid>` out of a row); new ids are minted there too (UUIDv7, time-ordered), since
//! minting one needs randomness and this crate does no I/O.
//!
//! Budget projects keep their own id, [`crate::budgets::ProjectId`], declared with the budgets.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The id of the record whose UUID is `uuid`.
            pub const fn from_uuid(uuid: Uuid) -> $name {
                $name(uuid)
            }

            /// The UUID underneath, for storage and for the API's JSON.
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> $name {
                $name(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// A city or town using Plaza (a tenant).
    OrganizationId;
    /// An account: a resident, or a civil servant with roles.
    UserId;
    /// A signed-in session (what a refresh token renews and a logout ends).
    SessionId;
    /// A territory of the organization (district, neighbourhood, ...).
    ScopeId;
    /// A participatory process.
    ProcessId;
    /// A theme of a process that proposals are filed under.
    CategoryId;
    /// A side effect waiting in (or kept by) the outbox.
    JobId;
    /// A participant's proposal in a process.
    ProposalId;
    /// A debate in a process.
    DebateId;
    /// A comment on a proposal, a debate or a budget project (a reply is a comment too).
    CommentId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_prints_as_its_uuid() {
        let uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
        let id = UserId::from(uuid);
        assert_eq!(id.uuid(), uuid);
        assert_eq!(id.to_string(), uuid.to_string());
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{uuid}\""));
        assert_eq!(
            serde_json::from_str::<UserId>(&format!("\"{uuid}\"")).unwrap(),
            id
        );
    }
}
