//! `/moderation`: blocking and unblocking participants (moderators and admins; audited).

use super::ApiTags;
use super::body::JsonBody;
use super::common::NoContent;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, State, Tenant};
use crate::app::moderation::{self, Decision};
use plaza_domain::UserId;
use poem_openapi::param::Path;
use poem_openapi::{Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

/// Why a moderator decides as they do, kept in the audit log.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct JustificationBody {
    /// Spaces at either end are removed (the maximum length counts them).
    pub justification: String,
}

pub struct ModerationApi;

#[OpenApi(prefix_path = "/moderation", tag = "ApiTags::Moderation")]
impl ModerationApi {
    /// Block a participant
    ///
    /// Ends every session of the account at once and voids its mailed links; it cannot sign in
    /// until unblocked (and then signs in again). Civil servants cannot be blocked (remove their
    /// roles first), nor can moderators block themselves.
    #[oai(
        path = "/users/:id/block",
        method = "post",
        operation_id = "block_user"
    )]
    async fn block(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The account's id.
        id: Path<Uuid>,
        body: JsonBody<JustificationBody>,
    ) -> Result<
        NoContent,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let reason = &body.0.justification;
        moderation::decide(
            &state,
            &organization,
            &auth.0,
            UserId::from(id.0),
            Decision::Block,
            reason,
        )
        .await?;
        Ok(NoContent::NoContent)
    }

    /// Unblock a participant
    ///
    /// Lets the account sign in again; the sessions that blocking ended stay ended.
    #[oai(
        path = "/users/:id/unblock",
        method = "post",
        operation_id = "unblock_user"
    )]
    async fn unblock(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The account's id.
        id: Path<Uuid>,
        body: JsonBody<JustificationBody>,
    ) -> Result<
        NoContent,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let reason = &body.0.justification;
        moderation::decide(
            &state,
            &organization,
            &auth.0,
            UserId::from(id.0),
            Decision::Unblock,
            reason,
        )
        .await?;
        Ok(NoContent::NoContent)
    }
}
