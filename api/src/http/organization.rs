//! `/organization`: what a frontend needs to know of the tenant it is serving before anything
//! else: its name, its languages and the participation age.

use super::ApiTags;
use super::problem::Problem;
use super::security::Tenant;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// The organization (city or town) this host serves.
#[derive(Debug, Object)]
pub struct OrganizationView {
    pub id: Uuid,
    pub slug: String,
    /// Its name, e.g. `Ajuntament de Barcelona`.
    pub name: String,
    /// The host it is served at.
    pub host: String,
    /// The locales texts may be written and rendered in.
    pub available_locales: Vec<String>,
    /// The locale used when a text or a request names no other.
    pub default_locale: String,
    /// The age from which residents may take part, on the calendar of `time_zone`.
    pub minimum_age: u8,
    /// The IANA time zone of its residents (`Europe/Madrid`): phase times are instants, and a
    /// frontend shows them in this zone.
    pub time_zone: String,
}

pub struct OrganizationApi;

#[OpenApi(tag = "ApiTags::Organization")]
impl OrganizationApi {
    /// Read the organization
    ///
    /// The tenant this host serves: name, locales, participation age and time zone.
    #[oai(
        path = "/organization",
        method = "get",
        operation_id = "get_organization"
    )]
    async fn get(
        &self,
        Tenant(organization): Tenant,
    ) -> Result<Json<OrganizationView>, Problem<0>> {
        Ok(Json(OrganizationView {
            id: organization.id.uuid(),
            slug: organization.slug,
            name: organization.name,
            host: organization.host,
            available_locales: organization.available_locales,
            default_locale: organization.default_locale,
            minimum_age: organization.minimum_age,
            time_zone: organization.time_zone.name().to_string(),
        }))
    }
}
