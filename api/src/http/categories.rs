//! HTTP for the categories of a process: read by everyone, created and changed by admins.
//!
//! Handlers only translate between JSON and `app::categories`; a category's reads carry an
//! `ETag` that its change takes as `If-Match`.

use super::ApiTags;
use super::body::JsonBody;
use super::caching::IfMatch;
use super::catalog::{Translations, render};
use super::problem::{Problem, answers};
use super::security::{BearerAuth, Locale, State, Tenant};
use crate::app::categories::{self, Category, CategoryForm};
use crate::app::tenancy::Organization;
use plaza_domain::CategoryId;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

/// A theme of a process that proposals are filed under.
#[derive(Debug, Object)]
pub struct CategoryView {
    pub id: Uuid,
    pub process_id: Uuid,
    /// Names by locale.
    pub name: Translations,
    /// The name in the request's language (or the organization's default).
    pub name_text: String,
    /// Order among the process's categories (lowest first).
    pub position: i32,
}

impl CategoryView {
    fn new(category: &Category, organization: &Organization, locale: &str) -> CategoryView {
        let (name, name_text) = render(&category.name, organization, locale);
        CategoryView {
            id: category.id.uuid(),
            process_id: category.process_id.uuid(),
            name,
            name_text,
            position: category.position,
        }
    }
}

/// A new category.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryBody {
    /// The name in each of the organization's locales (its default one required), up to 150
    /// characters each, trimmed.
    pub name: Translations,
    /// Order among the process's categories; 0 when absent.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub position: Option<i32>,
}

/// Changes to a category; absent fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryBody {
    /// Replaces every name, as on creation.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub name: Option<Translations>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub position: Option<i32>,
}

/// A category was created.
#[derive(ApiResponse)]
pub enum CategoryCreated {
    /// Created; `Location` is the new category's path.
    #[oai(status = 201)]
    Created(Json<CategoryView>, #[oai(header = "Location")] String),
}

pub struct CategoriesApi;

#[OpenApi(tag = "ApiTags::Processes")]
impl CategoriesApi {
    /// List a process's categories
    ///
    /// The themes its proposals are filed under, in order.
    #[oai(
        path = "/processes/:slug/categories",
        method = "get",
        operation_id = "list_categories"
    )]
    async fn list(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The process's slug.
        slug: Path<String>,
    ) -> Result<Json<Vec<CategoryView>>, Problem<0>> {
        let found = categories::list(&state, &organization, &slug.0).await?;
        Ok(Json(
            found
                .iter()
                .map(|category| CategoryView::new(category, &organization, &locale))
                .collect(),
        ))
    }

    /// Create a category
    #[oai(
        path = "/processes/:slug/categories",
        method = "post",
        operation_id = "create_category"
    )]
    async fn create(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The process's slug.
        slug: Path<String>,
        body: JsonBody<CreateCategoryBody>,
    ) -> Result<
        CategoryCreated,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let category = categories::create(
            &state,
            &organization,
            &auth.0,
            &slug.0,
            CategoryForm {
                name: Some(form.name),
                position: form.position,
            },
        )
        .await?;
        let location = format!("/api/v1/categories/{}", category.id);
        Ok(CategoryCreated::Created(
            Json(CategoryView::new(&category, &organization, &locale)),
            location,
        ))
    }

    /// Read a category
    ///
    /// Its `ETag` names this version of it, for a change with `If-Match`.
    #[oai(
        path = "/categories/:id",
        method = "get",
        operation_id = "get_category"
    )]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The category's id.
        id: Path<Uuid>,
    ) -> Result<Json<CategoryView>, Problem<0>> {
        let category = categories::get(&state, &organization, CategoryId::from(id.0)).await?;
        Ok(Json(CategoryView::new(&category, &organization, &locale)))
    }

    /// Change a category
    ///
    /// With `If-Match`, only if the category is still the version read.
    #[oai(
        path = "/categories/:id",
        method = "patch",
        operation_id = "update_category"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The category's id.
        id: Path<Uuid>,
        /// The `ETag` of the version this change was made on: if the category changed since,
        /// nothing is changed and the answer is 412. `*` stands for any version.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateCategoryBody>,
    ) -> Result<
        Json<CategoryView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::PRECONDITION_FAILED
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let if_match = IfMatch::parse(if_match.0.as_deref());
        let category = categories::update(
            &state,
            &organization,
            &auth.0,
            CategoryId::from(id.0),
            CategoryForm {
                name: form.name,
                position: form.position,
            },
            |current| {
                if_match.holds_in_any_locale(&organization, |locale| {
                    CategoryView::new(current, &organization, locale)
                })
            },
        )
        .await?;
        Ok(Json(CategoryView::new(&category, &organization, &locale)))
    }
}
