//! Creating organizations, and the Barcelona demonstration data of `plaza seed --demo`.
//!
//! Seeding is idempotent: what exists (by slug or code) is left untouched, only what is missing
//! is created, so running it twice changes nothing.

use super::AppState;
use super::error::{AppError, AppResult};
use super::tenancy::{Organization, TimeZone, normalize_host};
use crate::db;
use crate::store::{
    self,
    entities::{organizations, processes, scopes},
};
use plaza_domain::FieldError;
use plaza_domain::processes::Slug;
use plaza_domain::{OrganizationId, ProcessId};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// What an operator gives to create an organization.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub slug: String,
    pub name: String,
    pub host: String,
    pub default_locale: String,
    pub available_locales: Vec<String>,
    pub minimum_age: u8,
    /// IANA name, e.g. `Europe/Madrid`.
    pub time_zone: String,
}

/// The host an organization is served at, as browsers send it: a host name only (no scheme,
/// path or port), lowercase, without a trailing dot, and in ASCII (an internationalised name is
/// stored in its punycode form, `münster.example` → `xn--mnster-3ya.example`).
pub fn organization_host(raw: &str) -> Result<String, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new(
            "host",
            "required",
            "An organization needs a host name.",
        ));
    }
    let invalid = || {
        FieldError::new(
            "host",
            "invalid_host",
            "Give the host name only, such as participa.example.org (no https://, path or port).",
        )
    };
    if raw.contains("://") || raw.contains(['/', '?', '#', '@', ' ']) {
        return Err(invalid());
    }
    let host = normalize_host(raw);
    match url::Host::parse(&host) {
        Ok(url::Host::Domain(ascii)) if !ascii.is_empty() => Ok(ascii),
        Ok(url::Host::Ipv4(address)) => Ok(address.to_string()),
        _ => Err(invalid()),
    }
}

/// Creates an organization; refuses a taken slug or host.
pub async fn create_organization(
    state: &AppState,
    form: NewOrganization,
) -> AppResult<Organization> {
    let slug = Slug::parse("slug", &form.slug)?;
    let host = organization_host(&form.host)?;
    TimeZone::parse("time_zone", &form.time_zone)?;
    if !form.available_locales.contains(&form.default_locale) {
        return Err(FieldError::new(
            "default_locale",
            "unknown_locale",
            "The default locale must be one of the available locales.",
        )
        .into());
    }
    let tx = db::begin_write(&state.db).await?;
    let row = insert_organization(&tx, &form, slug.as_str(), &host, state.now()).await?;
    tx.commit().await?;
    Organization::try_from(row)
}

/// Sets the time zone of the organization `slug` (an operator's command).
pub async fn set_time_zone(
    state: &AppState,
    slug: &str,
    time_zone: &str,
) -> AppResult<Organization> {
    let zone = TimeZone::parse("time_zone", time_zone)?;
    let tx = db::begin_write(&state.db).await?;
    let row = store::orgs::find_by_slug(&tx, slug)
        .await?
        .ok_or(AppError::OrganizationNotFound)?;
    let saved = store::orgs::set_time_zone(&tx, row, zone.name()).await?;
    tx.commit().await?;
    Organization::try_from(saved)
}

async fn insert_organization(
    db: &impl ConnectionTrait,
    form: &NewOrganization,
    slug: &str,
    host: &str,
    now: OffsetDateTime,
) -> AppResult<organizations::Model> {
    let row = organizations::Model {
        id: Uuid::now_v7(),
        slug: slug.to_string(),
        name: form.name.trim().to_string(),
        host: host.to_string(),
        default_locale: form.default_locale.clone(),
        available_locales: serde_json::to_value(&form.available_locales)
            .map_err(AppError::internal)?,
        minimum_age: i16::from(form.minimum_age),
        created_at: now,
        time_zone: form.time_zone.trim().to_string(),
    };
    store::orgs::insert_organization(db, row.clone())
        .await
        .map_err(|error| {
            if store::orgs::UX_ORGANIZATION_SLUG.violated_by(&error) {
                AppError::AlreadyTaken { field: "slug" }
            } else if store::orgs::UX_ORGANIZATION_HOST.violated_by(&error) {
                AppError::AlreadyTaken { field: "host" }
            } else {
                error.into()
            }
        })?;
    Ok(row)
}

/// Barcelona's 10 districts and 73 neighbourhoods, with the city's official numbering.
pub const BARCELONA: [(&str, &[&str]); 10] = [
    (
        "Ciutat Vella",
        &[
            "el Raval",
            "el Barri Gòtic",
            "la Barceloneta",
            "Sant Pere, Santa Caterina i la Ribera",
        ],
    ),
    (
        "l'Eixample",
        &[
            "el Fort Pienc",
            "la Sagrada Família",
            "la Dreta de l'Eixample",
            "l'Antiga Esquerra de l'Eixample",
            "la Nova Esquerra de l'Eixample",
            "Sant Antoni",
        ],
    ),
    (
        "Sants-Montjuïc",
        &[
            "el Poble-sec",
            "la Marina del Prat Vermell",
            "la Marina de Port",
            "la Font de la Guatlla",
            "Hostafrancs",
            "la Bordeta",
            "Sants - Badal",
            "Sants",
        ],
    ),
    (
        "les Corts",
        &["les Corts", "la Maternitat i Sant Ramon", "Pedralbes"],
    ),
    (
        "Sarrià-Sant Gervasi",
        &[
            "Vallvidrera, el Tibidabo i les Planes",
            "Sarrià",
            "les Tres Torres",
            "Sant Gervasi - la Bonanova",
            "Sant Gervasi - Galvany",
            "el Putxet i el Farró",
        ],
    ),
    (
        "Gràcia",
        &[
            "Vallcarca i els Penitents",
            "el Coll",
            "la Salut",
            "la Vila de Gràcia",
            "el Camp d'en Grassot i Gràcia Nova",
        ],
    ),
    (
        "Horta-Guinardó",
        &[
            "el Baix Guinardó",
            "Can Baró",
            "el Guinardó",
            "la Font d'en Fargues",
            "el Carmel",
            "la Teixonera",
            "Sant Genís dels Agudells",
            "Montbau",
            "la Vall d'Hebron",
            "la Clota",
            "Horta",
        ],
    ),
    (
        "Nou Barris",
        &[
            "Vilapicina i la Torre Llobeta",
            "Porta",
            "el Turó de la Peira",
            "Can Peguera",
            "la Guineueta",
            "Canyelles",
            "les Roquetes",
            "Verdun",
            "la Prosperitat",
            "la Trinitat Nova",
            "Torre Baró",
            "Ciutat Meridiana",
            "Vallbona",
        ],
    ),
    (
        "Sant Andreu",
        &[
            "la Trinitat Vella",
            "Baró de Viver",
            "el Bon Pastor",
            "Sant Andreu",
            "la Sagrera",
            "el Congrés i els Indians",
            "Navas",
        ],
    ),
    (
        "Sant Martí",
        &[
            "el Camp de l'Arpa del Clot",
            "el Clot",
            "el Parc i la Llacuna del Poblenou",
            "la Vila Olímpica del Poblenou",
            "el Poblenou",
            "Diagonal Mar i el Front Marítim del Poblenou",
            "el Besòs i el Maresme",
            "Provençals del Poblenou",
            "Sant Martí de Provençals",
            "la Verneda i la Pau",
        ],
    ),
];

/// The slug of the demonstration organization.
pub const DEMO_SLUG: &str = "barcelona";
/// The slug of the demonstration process.
pub const DEMO_PROCESS_SLUG: &str = "pressupostos-participatius-2026";

/// What `seed --demo` created (zero everywhere on a second run).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub organizations: u32,
    pub scopes: u32,
    pub processes: u32,
}

fn names(pairs: &[(&str, &str)]) -> serde_json::Value {
    let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
    serde_json::to_value(map).unwrap_or_default()
}

/// Creates the Barcelona organization with its districts and neighbourhoods (codes `BCN`,
/// `D01`..`D10`, `B01`..`B73` in the city's numbering) and a participatory-budgeting process with
/// five phases, leaving alone whatever already exists.
pub async fn seed_demo(state: &AppState) -> AppResult<SeedReport> {
    let now = state.now();
    let mut report = SeedReport::default();
    let tx = db::begin_write(&state.db).await?;
    // Seeders take turns: the second sees what the first created instead of inserting it twice.
    store::locks::take(&tx, store::locks::Lock::DemoSeed).await?;
    let organization = match store::orgs::find_by_slug(&tx, DEMO_SLUG).await? {
        Some(existing) => existing,
        None => {
            report.organizations += 1;
            let form = NewOrganization {
                slug: DEMO_SLUG.into(),
                name: "Ajuntament de Barcelona".into(),
                host: "barcelona.plaza.localhost".into(),
                default_locale: "ca".into(),
                available_locales: vec!["ca".into(), "es".into(), "en".into()],
                minimum_age: 16,
                time_zone: "Europe/Madrid".into(),
            };
            insert_organization(&tx, &form, DEMO_SLUG, &form.host, now).await?
        }
    };

    let mut ensure_scope = async |code: String,
                                  kind: &str,
                                  name: serde_json::Value,
                                  parent: Option<Uuid>,
                                  position: i32|
           -> AppResult<Uuid> {
        if let Some(existing) =
            store::orgs::scope_by_code(&tx, OrganizationId::from(organization.id), &code).await?
        {
            return Ok(existing.id);
        }
        report.scopes += 1;
        let row = scopes::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            parent_id: parent,
            code,
            kind: kind.into(),
            name,
            position,
            created_at: now,
        };
        Ok(store::orgs::insert_scope(&tx, row).await?.id)
    };
    let city = ensure_scope("BCN".into(), "city", names(&[("ca", "Barcelona")]), None, 0).await?;
    let mut neighbourhood_number = 0;
    for (district_index, (district, neighbourhoods)) in BARCELONA.iter().enumerate() {
        let district_number = district_index + 1;
        let district_id = ensure_scope(
            format!("D{district_number:02}"),
            "district",
            names(&[("ca", district)]),
            Some(city),
            i32::try_from(district_number).unwrap_or(0),
        )
        .await?;
        for neighbourhood in neighbourhoods.iter() {
            neighbourhood_number += 1;
            ensure_scope(
                format!("B{neighbourhood_number:02}"),
                "neighbourhood",
                names(&[("ca", neighbourhood)]),
                Some(district_id),
                neighbourhood_number,
            )
            .await?;
        }
    }

    if store::orgs::process_by_slug(
        &tx,
        OrganizationId::from(organization.id),
        DEMO_PROCESS_SLUG,
    )
    .await?
    .is_none()
    {
        report.processes += 1;
        let process_id = Uuid::now_v7();
        store::orgs::insert_process(
            &tx,
            processes::Model {
                id: process_id,
                organization_id: organization.id,
                slug: DEMO_PROCESS_SLUG.into(),
                title: names(&[("ca", "Pressupostos participatius 2026"), ("es", "Presupuestos participativos 2026"), ("en", "Participatory budgeting 2026")]),
                description: names(&[
                    ("ca", "Decideix com s'inverteixen 30 milions d'euros als barris de Barcelona."),
                    ("es", "Decide cómo se invierten 30 millones de euros en los barrios de Barcelona."),
                    ("en", "Decide how 30 million euros are invested in Barcelona's neighbourhoods."),
                ]),
                scope_id: Some(city),
                pinned_phase: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        use plaza_domain::processes::Feature::{
            BudgetVoting, Comments, Debates, ProposalsCreation, ResultsPublished, Supports,
        };
        let phase = |position: usize,
                     title: serde_json::Value,
                     starts_at: OffsetDateTime,
                     ends_at: OffsetDateTime,
                     features: &[plaza_domain::processes::Feature]| {
            super::catalog::phase_row(
                ProcessId::from(process_id),
                position,
                title,
                starts_at,
                ends_at,
                features,
            )
        };
        // Midnights in Barcelona, whatever the offset of the day (summer time ends in October).
        let zone = &Organization::try_from(organization.clone())?.time_zone;
        let midnight = |year: i16, month: i8, day: i8| {
            zone.instant_of(year, month, day, 0)
                .ok_or_else(|| AppError::internal("a demo date outside the time zone's range"))
        };
        let phases = vec![
            phase(
                0,
                names(&[
                    ("ca", "Presentació de propostes"),
                    ("es", "Presentación de propuestas"),
                    ("en", "Proposals"),
                ]),
                midnight(2026, 10, 1)?,
                midnight(2026, 12, 15)?,
                &[ProposalsCreation, Debates, Comments],
            ),
            phase(
                1,
                names(&[("ca", "Suports"), ("es", "Apoyos"), ("en", "Supports")]),
                midnight(2026, 12, 15)?,
                midnight(2027, 1, 31)?,
                &[Supports, Debates, Comments],
            ),
            phase(
                2,
                names(&[
                    ("ca", "Avaluació tècnica"),
                    ("es", "Evaluación técnica"),
                    ("en", "Technical evaluation"),
                ]),
                midnight(2027, 1, 31)?,
                midnight(2027, 4, 1)?,
                &[Comments],
            ),
            phase(
                3,
                names(&[
                    ("ca", "Votació final"),
                    ("es", "Votación final"),
                    ("en", "Final vote"),
                ]),
                midnight(2027, 4, 1)?,
                midnight(2027, 4, 16)?,
                &[Comments, BudgetVoting],
            ),
            phase(
                4,
                names(&[("ca", "Resultats"), ("es", "Resultados"), ("en", "Results")]),
                midnight(2027, 4, 16)?,
                midnight(2027, 12, 31)?,
                &[Comments, ResultsPublished],
            ),
        ];
        store::orgs::replace_phases(&tx, ProcessId::from(process_id), phases).await?;
    }
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::organization_host;

    #[test]
    fn hosts_are_stored_as_browsers_send_them() {
        assert_eq!(
            organization_host(" Participa.Example.ORG. ").unwrap(),
            "participa.example.org"
        );
        assert_eq!(
            organization_host("münster.example").unwrap(),
            "xn--mnster-3ya.example"
        );
        assert_eq!(
            organization_host("town.example:8080").unwrap(),
            "town.example"
        );
        for bad in [
            "https://town.example/",
            "town.example/app",
            "",
            "a b.example",
            "user@town.example",
        ] {
            assert!(organization_host(bad).is_err(), "{bad}");
        }
    }
}
