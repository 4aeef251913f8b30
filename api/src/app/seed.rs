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
    entities::{categories, organizations, phases, processes, scopes},
};
use plaza_domain::FieldError;
use plaza_domain::processes::Slug;
use plaza_domain::{FieldCode, ProcessId, ScopeId};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
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
            FieldCode::Required,
            "An organization needs a host name.",
        ));
    }
    let invalid = || {
        FieldError::new(
            "host",
            FieldCode::InvalidHost,
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
            FieldCode::UnknownLocale,
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
    pub proposals: u32,
    pub supports: u32,
    pub budgets: u32,
    pub projects: u32,
    pub census_records: u32,
}

fn names(pairs: &[(&str, &str)]) -> serde_json::Value {
    let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
    serde_json::to_value(map).unwrap_or_default()
}

/// Creates the Barcelona organization with its districts and neighbourhoods (codes `BCN`,
/// `D01`..`D10`, `B01`..`B73` in the city's numbering), a participatory-budgeting process with
/// five phases and its categories, the residents' proposals and supports (`demo_proposals`)
/// and four district budgets with their projects (`demo_budgets`), leaving alone whatever
/// already exists.
pub async fn seed_demo(state: &AppState) -> AppResult<SeedReport> {
    let tx = db::begin_write(&state.db).await?;
    // Seeders take turns: the second sees what the first created instead of inserting it twice.
    store::locks::take(&tx, store::locks::Lock::DemoSeed).await?;
    let mut seeder = DemoSeeder {
        tx: &tx,
        now: state.now(),
        report: SeedReport::default(),
    };
    let organization = seeder.organization().await?;
    let city = seeder.scopes(&organization).await?;
    let process_id = seeder.process(&organization, city).await?;
    seeder.census(&organization, &state.keys).await?;
    let categories: Vec<Uuid> = store::orgs::categories_of(&tx, process_id)
        .await?
        .into_iter()
        .map(|category| category.id)
        .collect();
    let (proposals, supports) =
        super::demo_proposals::seed(&tx, &organization, process_id, &categories, state.now())
            .await?;
    let (budgets, projects) =
        super::demo_budgets::seed(&tx, &organization, process_id, &categories, state.now()).await?;
    let mut report = seeder.report;
    report.proposals = proposals;
    report.supports = supports;
    report.budgets = budgets;
    report.projects = projects;
    tx.commit().await?;
    Ok(report)
}

/// The demo's writes, each leaving alone what already exists and counting what it created.
struct DemoSeeder<'a> {
    tx: &'a DatabaseTransaction,
    now: OffsetDateTime,
    report: SeedReport,
}

impl DemoSeeder<'_> {
    /// The Barcelona organization (Europe/Madrid, Catalan first).
    async fn organization(&mut self) -> AppResult<Organization> {
        let row = match store::orgs::find_by_slug(self.tx, DEMO_SLUG).await? {
            Some(existing) => existing,
            None => {
                self.report.organizations += 1;
                let form = NewOrganization {
                    slug: DEMO_SLUG.into(),
                    name: "Ajuntament de Barcelona".into(),
                    host: "barcelona.plaza.localhost".into(),
                    default_locale: "ca".into(),
                    available_locales: vec!["ca".into(), "es".into(), "en".into()],
                    minimum_age: 16,
                    time_zone: "Europe/Madrid".into(),
                };
                insert_organization(self.tx, &form, DEMO_SLUG, &form.host, self.now).await?
            }
        };
        Organization::try_from(row)
    }

    /// The city, its districts and their neighbourhoods; returns the city's id.
    async fn scopes(&mut self, organization: &Organization) -> AppResult<ScopeId> {
        let city = DemoScope {
            code: "BCN".into(),
            kind: "city",
            name: "Barcelona",
            parent: None,
            position: 0,
        };
        let city = self.scope(organization, city).await?;
        let mut neighbourhood_number = 0;
        for (district_index, (district, neighbourhoods)) in BARCELONA.iter().enumerate() {
            let district_number = district_index + 1;
            let district = DemoScope {
                code: format!("D{district_number:02}"),
                kind: "district",
                name: district,
                parent: Some(city),
                position: i32::try_from(district_number).unwrap_or(0),
            };
            let district_id = self.scope(organization, district).await?;
            for neighbourhood in neighbourhoods.iter() {
                neighbourhood_number += 1;
                let neighbourhood = DemoScope {
                    code: format!("B{neighbourhood_number:02}"),
                    kind: "neighbourhood",
                    name: neighbourhood,
                    parent: Some(district_id),
                    position: neighbourhood_number,
                };
                self.scope(organization, neighbourhood).await?;
            }
        }
        Ok(city)
    }

    /// One census record per district ([`demo_document`] of its number, born 1 May 1985), so
    /// that a newcomer can verify as a resident of any district and vote there.
    async fn census(
        &mut self,
        organization: &Organization,
        keys: &crate::auth::Keys,
    ) -> AppResult<()> {
        let mut rows = Vec::new();
        for district in 1..=BARCELONA.len() {
            let code = format!("D{district:02}");
            let scope = store::orgs::scope_by_code(self.tx, organization.id, &code)
                .await?
                .ok_or_else(|| AppError::internal(format!("demo district {code} missing")))?;
            let number = u32::try_from(district).unwrap_or(0);
            let document = plaza_domain::census::DocumentNumber::parse(&demo_document(number))
                .ok_or_else(|| AppError::internal("a demo document that does not parse"))?;
            rows.push(crate::store::entities::census_records::Model {
                id: Uuid::now_v7(),
                organization_id: organization.id.uuid(),
                document_hash: keys.census_document_hash(organization.id.uuid(), &document),
                birth_date: time::macros::date!(1985 - 05 - 01),
                scope_id: scope.id,
                imported_at: self.now,
            });
        }
        let created = store::census::import_records(self.tx, organization.id, rows).await?;
        self.report.census_records += u32::try_from(created).unwrap_or(u32::MAX);
        Ok(())
    }

    /// One scope, by code.
    async fn scope(&mut self, organization: &Organization, scope: DemoScope) -> AppResult<ScopeId> {
        if let Some(existing) =
            store::orgs::scope_by_code(self.tx, organization.id, &scope.code).await?
        {
            return Ok(ScopeId::from(existing.id));
        }
        self.report.scopes += 1;
        let row = scopes::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id.uuid(),
            parent_id: scope.parent.map(ScopeId::uuid),
            code: scope.code,
            kind: scope.kind.into(),
            name: names(&[("ca", scope.name)]),
            position: scope.position,
            created_at: self.now,
        };
        Ok(ScopeId::from(
            store::orgs::insert_scope(self.tx, row).await?.id,
        ))
    }

    /// The participatory budget of 2026 over the whole city, with its five phases and its
    /// categories; its id.
    async fn process(
        &mut self,
        organization: &Organization,
        city: ScopeId,
    ) -> AppResult<ProcessId> {
        if let Some(existing) =
            store::orgs::process_by_slug(self.tx, organization.id, DEMO_PROCESS_SLUG).await?
        {
            return Ok(ProcessId::from(existing.id));
        }
        self.report.processes += 1;
        let process_id = ProcessId::from(Uuid::now_v7());
        let row = processes::Model {
            id: process_id.uuid(),
            organization_id: organization.id.uuid(),
            slug: DEMO_PROCESS_SLUG.into(),
            title: names(&[
                ("ca", "Pressupostos participatius 2026"),
                ("es", "Presupuestos participativos 2026"),
                ("en", "Participatory budgeting 2026"),
            ]),
            description: names(&[
                (
                    "ca",
                    "Decideix com s'inverteixen 30 milions d'euros als barris de Barcelona.",
                ),
                (
                    "es",
                    "Decide cómo se invierten 30 millones de euros en los barrios de Barcelona.",
                ),
                (
                    "en",
                    "Decide how 30 million euros are invested in Barcelona's neighbourhoods.",
                ),
            ]),
            scope_id: Some(city.uuid()),
            pinned_phase: None,
            created_at: self.now,
            updated_at: self.now,
            proposal_settings: None,
        };
        store::orgs::insert_process(self.tx, row).await?;
        let phases = demo_phases(&organization.time_zone, process_id)?;
        store::orgs::replace_phases(self.tx, process_id, phases).await?;
        for (position, name) in DEMO_CATEGORIES.iter().enumerate() {
            let row = categories::Model {
                id: Uuid::now_v7(),
                organization_id: organization.id.uuid(),
                process_id: process_id.uuid(),
                name: names(name),
                position: i32::try_from(position).unwrap_or(i32::MAX),
                created_at: self.now,
            };
            store::orgs::insert_category(self.tx, row).await?;
        }
        Ok(process_id)
    }
}

/// The demo process's categories, created with it.
const DEMO_CATEGORIES: [&[(&str, &str)]; 5] = [
    &[("ca", "Mobilitat"), ("es", "Movilidad"), ("en", "Mobility")],
    &[
        ("ca", "Espais verds"),
        ("es", "Zonas verdes"),
        ("en", "Green spaces"),
    ],
    &[
        ("ca", "Equipaments"),
        ("es", "Equipamientos"),
        ("en", "Public facilities"),
    ],
    &[("ca", "Cultura"), ("es", "Cultura"), ("en", "Culture")],
    &[("ca", "Habitatge"), ("es", "Vivienda"), ("en", "Housing")],
];

/// A scope of the demo city.
struct DemoScope {
    code: String,
    kind: &'static str,
    name: &'static str,
    parent: Option<ScopeId>,
    position: i32,
}

/// The demo census's document number for district `district` (1..10): a Spanish DNI,
/// `1000000<district as two digits>` and its check letter (`D06` → `10000006C`).
pub fn demo_document(district: u32) -> String {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let number = 10_000_000 + district;
    let letter = LETTERS
        .get(usize::try_from(number % 23).unwrap_or(0))
        .copied()
        .unwrap_or(b'T');
    format!("{number}{}", char::from(letter))
}

/// The demo process's phases: proposals, supports, technical evaluation, final vote and
/// results, from local midnight to local midnight in `zone` (whatever the offset of the day:
/// summer time ends in October).
fn demo_phases(zone: &TimeZone, process_id: ProcessId) -> AppResult<Vec<phases::Model>> {
    use plaza_domain::processes::Feature::{
        BudgetVoting, Comments, Debates, ProposalsCreation, ResultsPublished, Supports,
    };
    let midnight = |year: i16, month: i8, day: i8| {
        zone.instant_of(year, month, day, 0)
            .ok_or_else(|| AppError::internal("a demo date outside the time zone's range"))
    };
    let phase = |position: usize,
                 title: &[(&str, &str)],
                 (starts_at, ends_at): (OffsetDateTime, OffsetDateTime),
                 features: &[plaza_domain::processes::Feature]| {
        super::catalog::phase_row(
            process_id,
            position,
            names(title),
            starts_at,
            ends_at,
            features,
        )
    };
    Ok(vec![
        phase(
            0,
            &[
                ("ca", "Presentació de propostes"),
                ("es", "Presentación de propuestas"),
                ("en", "Proposals"),
            ],
            (midnight(2026, 10, 1)?, midnight(2026, 12, 15)?),
            &[ProposalsCreation, Debates, Comments],
        ),
        phase(
            1,
            &[("ca", "Suports"), ("es", "Apoyos"), ("en", "Supports")],
            (midnight(2026, 12, 15)?, midnight(2027, 1, 31)?),
            &[Supports, Debates, Comments],
        ),
        phase(
            2,
            &[
                ("ca", "Avaluació tècnica"),
                ("es", "Evaluación técnica"),
                ("en", "Technical evaluation"),
            ],
            (midnight(2027, 1, 31)?, midnight(2027, 4, 1)?),
            &[Comments],
        ),
        phase(
            3,
            &[
                ("ca", "Votació final"),
                ("es", "Votación final"),
                ("en", "Final vote"),
            ],
            (midnight(2027, 4, 1)?, midnight(2027, 4, 16)?),
            &[Comments, BudgetVoting],
        ),
        phase(
            4,
            &[("ca", "Resultats"), ("es", "Resultados"), ("en", "Results")],
            (midnight(2027, 4, 16)?, midnight(2027, 12, 31)?),
            &[Comments, ResultsPublished],
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::{demo_document, organization_host};

    #[test]
    fn demo_documents_are_valid_dni_numbers() {
        assert_eq!(demo_document(6), "10000006C");
        for district in 1..=10 {
            assert!(
                plaza_domain::census::DocumentNumber::parse(&demo_document(district)).is_some()
            );
        }
    }

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
