//! sea-orm entities: one module per table, mirroring `plaza-migrations` column for column.
//!
//! Entities are plain row types; nothing here knows a rule. Relations are not declared: the store
//! functions write their joins explicitly, which keeps each query visible where it is used.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod organizations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organizations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub slug: String,
        pub name: String,
        pub host: String,
        pub default_locale: String,
        pub available_locales: Json,
        pub minimum_age: i16,
        pub created_at: TimeDateTimeWithTimeZone,
        /// IANA name (`Europe/Madrid`).
        pub time_zone: String,
    }

    no_relations!();
}

pub mod scopes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scopes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub parent_id: Option<Uuid>,
        pub code: String,
        pub kind: String,
        pub name: Json,
        pub position: i32,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod processes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "processes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub slug: String,
        pub title: Json,
        pub description: Json,
        pub scope_id: Option<Uuid>,
        pub pinned_phase: Option<i32>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
        /// `ProposalSettings` as JSON; `None`: the defaults.
        pub proposal_settings: Option<Json>,
    }

    no_relations!();
}

pub mod categories {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "categories")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub process_id: Uuid,
        pub name: Json,
        pub position: i32,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

/// A participatory budget of a process (issue 8).
pub mod budgets {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "budgets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub process_id: Uuid,
        pub title: Json,
        pub description: Json,
        pub total_cents: i64,
        pub scope_id: Option<Uuid>,
        /// The domain's `VotingRule` as JSON.
        pub voting_rule: Json,
        pub outcome_rule: String,
        pub workflow: String,
        pub show_votes_during_voting: bool,
        pub position: i32,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

/// Which proposals a project came from (migration 25).
pub mod project_proposals {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_proposals")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub project_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub proposal_id: Uuid,
    }

    no_relations!();
}

/// A costed project of a budget.
pub mod projects {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub budget_id: Uuid,
        pub title: Json,
        pub description: Json,
        pub cost_cents: i64,
        pub scope_id: Option<Uuid>,
        pub category_id: Option<Uuid>,
        pub random_key: i64,
        pub comments_count: i32,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
        /// Cast ballots choosing it, where counts may be read (migration 24).
        pub votes_count: i64,
    }

    no_relations!();
}

/// One resident's ballot in one budget: a draft or cast, with its receipt seal once cast. See
/// migration 22 for what each column means.
pub mod ballots {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ballots")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub process_id: Uuid,
        pub budget_id: Uuid,
        /// The census document hash of the resident whose ballot it is.
        pub voter: String,
        /// The account holding it now.
        pub user_id: Uuid,
        /// Where the resident lived at their first ballot of the process.
        pub residence_scope_id: Uuid,
        /// `draft` or `cast`.
        pub status: String,
        pub cast_at: Option<TimeDateTimeWithTimeZone>,
        pub receipt_mac: Option<String>,
        pub receipt_key_id: Option<String>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

/// One chosen project of a ballot, with its points (1 under rules without points).
pub mod ballot_lines {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ballot_lines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub ballot_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub project_id: Uuid,
        pub points: i32,
    }

    no_relations!();
}

/// A budget's tally and its publication (migration 23 says what each column holds).
pub mod budget_results {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "budget_results")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub budget_id: Uuid,
        pub organization_id: Uuid,
        pub stage: String,
        pub requested_at: TimeDateTimeWithTimeZone,
        pub computed_at: Option<TimeDateTimeWithTimeZone>,
        pub published_at: Option<TimeDateTimeWithTimeZone>,
        pub rule: Option<String>,
        pub tie_breaking: Option<String>,
        pub ballots: Option<i64>,
        pub inputs_sha256: Option<String>,
        pub outcome: Option<Json>,
        #[sea_orm(column_type = "Text", nullable)]
        pub export_pb: Option<String>,
        pub duration_ms: Option<i64>,
        #[sea_orm(column_type = "Text", nullable)]
        pub error: Option<String>,
    }

    no_relations!();
}

pub mod proposals {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "proposals")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub process_id: Uuid,
        pub author_id: Uuid,
        pub scope_id: Option<Uuid>,
        pub category_id: Option<Uuid>,
        pub title: String,
        pub body: String,
        pub state: String,
        pub hidden: bool,
        /// Counted supports (pending ones excluded).
        pub supports_count: i32,
        pub comments_count: i32,
        /// Microseconds since 1970 of the publication (of the creation while a draft).
        pub recency: i64,
        /// A random 32-bit key for `random(seed)` order.
        pub random_key: i64,
        pub published_at: Option<TimeDateTimeWithTimeZone>,
        pub answer_state: Option<String>,
        pub answer_text: Option<Json>,
        pub answer_cost: Option<i64>,
        pub answered_at: Option<TimeDateTimeWithTimeZone>,
        pub answer_published_at: Option<TimeDateTimeWithTimeZone>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod proposal_supports {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "proposal_supports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub proposal_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub process_id: Uuid,
        /// Whether it is in the proposal's `supports_count`.
        pub counted: bool,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod notifications {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        pub subject_kind: String,
        pub subject_id: Uuid,
        pub data: Json,
        pub created_at: TimeDateTimeWithTimeZone,
        pub read_at: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod debates {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "debates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub process_id: Uuid,
        pub author_id: Uuid,
        pub scope_id: Option<Uuid>,
        pub category_id: Option<Uuid>,
        pub title: String,
        pub description: String,
        pub conclusions: Option<String>,
        pub closed_by: Option<Uuid>,
        pub closed_at: Option<TimeDateTimeWithTimeZone>,
        pub hidden: bool,
        pub comments_count: i32,
        pub recency: i64,
        pub random_key: i64,
        pub created_at: TimeDateTimeWithTimeZone,
        pub edited_at: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod comments {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        /// `proposal`, `debate` or `project`.
        pub target_kind: String,
        pub target_id: Uuid,
        pub parent_id: Option<Uuid>,
        /// The thread's root comment (itself for a root).
        pub root_id: Uuid,
        pub depth: i16,
        pub author_id: Uuid,
        pub alignment: i16,
        /// Empty once deleted.
        pub body: String,
        pub hidden: bool,
        pub up_votes: i32,
        pub down_votes: i32,
        /// Up minus down.
        pub score: i32,
        pub created_at: TimeDateTimeWithTimeZone,
        pub edited_at: Option<TimeDateTimeWithTimeZone>,
        pub deleted_at: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod comment_votes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comment_votes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub comment_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// +1 up, -1 down.
        pub weight: i16,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod phases {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "phases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub process_id: Uuid,
        pub position: i32,
        pub title: Json,
        pub starts_at: TimeDateTimeWithTimeZone,
        pub ends_at: TimeDateTimeWithTimeZone,
        pub proposals_creation: bool,
        pub supports: bool,
        pub debates: bool,
        pub comments: bool,
        pub budget_voting: bool,
        pub results_published: bool,
    }

    no_relations!();
}

pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub email: String,
        pub password_hash: Option<String>,
        pub name: Option<String>,
        pub nickname: Option<String>,
        pub locale: String,
        pub notification_mail: String,
        pub confirmed_at: Option<TimeDateTimeWithTimeZone>,
        pub blocked_at: Option<TimeDateTimeWithTimeZone>,
        pub deleted_at: Option<TimeDateTimeWithTimeZone>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
        /// Whether the password meets the admin policy (required to be granted the admin role).
        pub admin_grade_password: bool,
    }

    no_relations!();
}

pub mod user_roles {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_roles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub role: String,
        pub granted_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

/// Roles granted for one process only (`evaluator`), beside the organization-wide `user_roles`.
pub mod process_roles {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "process_roles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub process_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub role: String,
        pub granted_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod sessions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub created_at: TimeDateTimeWithTimeZone,
        pub last_used_at: TimeDateTimeWithTimeZone,
        pub revoked_at: Option<TimeDateTimeWithTimeZone>,
        pub revoked_reason: Option<String>,
    }

    no_relations!();
}

pub mod refresh_tokens {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refresh_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub session_id: Uuid,
        pub token_hash: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub used_at: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod email_tokens {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "email_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub purpose: String,
        pub token_hash: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub expires_at: TimeDateTimeWithTimeZone,
        pub used_at: Option<TimeDateTimeWithTimeZone>,
        /// For a registration's confirmation: the details given with that registration (name,
        /// nickname, locale), applied when the link is used; erased once spent or voided.
        pub registration: Option<Json>,
    }

    no_relations!();
}

pub mod census_records {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "census_records")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub document_hash: String,
        pub birth_date: TimeDate,
        pub scope_id: Uuid,
        pub imported_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod residents {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "residents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub organization_id: Uuid,
        pub document_hash: String,
        pub scope_id: Uuid,
        pub birth_date: TimeDate,
        pub verified_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod verification_attempts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "verification_attempts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub failures: i32,
        pub last_failure_at: TimeDateTimeWithTimeZone,
        pub locked_until: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod outbox {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Option<Uuid>,
        pub topic: String,
        pub payload: Json,
        pub created_at: TimeDateTimeWithTimeZone,
        pub available_at: TimeDateTimeWithTimeZone,
        pub attempts: i32,
        pub last_error: Option<String>,
        pub done_at: Option<TimeDateTimeWithTimeZone>,
        /// Jobs with one key run in the order they were written (see `store::outbox`).
        pub ordering_key: Option<String>,
        /// Set when the job failed its last allowed attempt: it is no longer retried.
        pub dead_at: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod audit_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub actor_id: Option<Uuid>,
        pub action: String,
        pub target_kind: String,
        pub target_id: String,
        pub before: Option<Json>,
        pub after: Option<Json>,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod login_throttles {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_throttles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub email_key: String,
        pub window_started_at: Option<TimeDateTimeWithTimeZone>,
        pub failures_in_window: i32,
        pub failures_in_a_row: i32,
        pub locked_until: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod document_attempts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "document_attempts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub document_hash: String,
        pub failures: i32,
        pub last_failure_at: Option<TimeDateTimeWithTimeZone>,
        pub locked_until: Option<TimeDateTimeWithTimeZone>,
    }

    no_relations!();
}

pub mod mail_quotas {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_quotas")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organization_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub email_key: String,
        pub window_started_at: Option<TimeDateTimeWithTimeZone>,
        pub sent_in_window: i32,
    }

    no_relations!();
}

pub mod server_keys {
    use sea_orm::entity::prelude::*;

    /// The public id of a key whose change would invalidate stored data (see `auth::key_id`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "server_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub purpose: String,
        pub key_id: String,
        pub recorded_at: TimeDateTimeWithTimeZone,
    }

    no_relations!();
}

pub mod idempotency_keys {
    use sea_orm::entity::prelude::*;

    /// The first answer to a signed-in write sent with an `Idempotency-Key` (see
    /// `store::idempotency`); `status` is `None` while that write is in flight.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub route: String,
        pub fingerprint: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub expires_at: TimeDateTimeWithTimeZone,
        pub status: Option<i32>,
        pub headers: Option<String>,
        pub body: Option<Vec<u8>>,
    }

    no_relations!();
}
