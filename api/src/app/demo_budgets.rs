//! The demo's district budgets: what `plaza seed --demo` adds to the Barcelona process so that a
//! newcomer sees how a city shares out its participatory budget (issue 8, point 8).
//!
//! Four districts get a budget of their own, as Barcelona runs them: residents approve up to
//! five projects of their district (and, under `own_plus_one`, of one other district), and the
//! most voted that fit are funded (`greedy`). Each budget holds a handful of costed projects in
//! Catalan and Spanish, placed in the district and filed under the process's categories. Every
//! setting and cost is decided by the domain (`BudgetSettings::new`, `decide_project_cost`), so
//! the demo holds only what the API would accept. Nothing is written when the process holds budgets already.

use super::error::{AppError, AppResult};
use super::proposals::random_key;
use super::tenancy::Organization;
use crate::store::{
    self,
    entities::{budgets, projects},
};
use plaza_domain::budgets::{
    BudgetScope, BudgetSettings, OutcomeRule, VoteCountVisibility, VotingRule, Workflow,
    decide_project_cost,
};
use plaza_domain::{Cents, ProcessId};
use sea_orm::DatabaseTransaction;
use time::OffsetDateTime;
use uuid::Uuid;

/// One demo budget: its district's code, its name in Catalan and Spanish, its total in euros and
/// its projects.
struct DemoBudget {
    district: &'static str,
    name: (&'static str, &'static str),
    euros: i64,
    projects: &'static [DemoProject],
}

/// One project: titles in Catalan and Spanish, cost in euros, category (a position among the
/// demo categories: 0 mobility, 1 green spaces, 2 public facilities, 3 culture, 4 housing).
struct DemoProject {
    title: (&'static str, &'static str),
    euros: i64,
    category: usize,
}

const fn project(ca: &'static str, es: &'static str, euros: i64, category: usize) -> DemoProject {
    DemoProject {
        title: (ca, es),
        euros,
        category,
    }
}

const BUDGETS: [DemoBudget; 4] = [
    DemoBudget {
        district: "D01",
        name: ("Pressupost de Ciutat Vella", "Presupuesto de Ciutat Vella"),
        euros: 2_400_000,
        projects: &[
            project(
                "Pati de l'escola Drassanes obert els caps de setmana",
                "Patio de la escuela Drassanes abierto los fines de semana",
                180_000,
                2,
            ),
            project(
                "Fonts d'aigua potable a la Rambla del Raval",
                "Fuentes de agua potable en la Rambla del Raval",
                95_000,
                1,
            ),
            project(
                "Carril bici segregat al carrer Nou de la Rambla",
                "Carril bici segregado en la calle Nou de la Rambla",
                640_000,
                0,
            ),
            project(
                "Rehabilitació del Casal de Gent Gran del Gòtic",
                "Rehabilitación del Casal de Gente Mayor del Gòtic",
                820_000,
                2,
            ),
            project(
                "Murals participatius a la Barceloneta",
                "Murales participativos en la Barceloneta",
                60_000,
                3,
            ),
            project(
                "Arbrat i ombra a la plaça de Sant Agustí Vell",
                "Arbolado y sombra en la plaza de Sant Agustí Vell",
                310_000,
                1,
            ),
        ],
    },
    DemoBudget {
        district: "D03",
        name: (
            "Pressupost de Sants-Montjuïc",
            "Presupuesto de Sants-Montjuïc",
        ),
        euros: 2_800_000,
        projects: &[
            project(
                "Cobrir el tram de les vies de Sants amb un jardí",
                "Cubrir el tramo de vías de Sants con un jardín",
                1_900_000,
                1,
            ),
            project(
                "Escales mecàniques al carrer de la Mare de Déu del Port",
                "Escaleras mecánicas en la calle Mare de Déu del Port",
                760_000,
                0,
            ),
            project(
                "Biblioteca de joguines a la Marina",
                "Ludoteca en la Marina",
                140_000,
                2,
            ),
            project(
                "Escenari a l'aire lliure al parc de l'Espanya Industrial",
                "Escenario al aire libre en el parque de la Espanya Industrial",
                230_000,
                3,
            ),
            project(
                "Pisos dotacionals per a joves a Hostafrancs",
                "Pisos dotacionales para jóvenes en Hostafrancs",
                1_200_000,
                4,
            ),
        ],
    },
    DemoBudget {
        district: "D06",
        name: ("Pressupost de Gràcia", "Presupuesto de Gràcia"),
        euros: 2_000_000,
        projects: &[
            project(
                "Pacificar el carrer de Verdi",
                "Pacificar la calle Verdi",
                520_000,
                0,
            ),
            project(
                "Refugi climàtic a la plaça del Sol",
                "Refugio climático en la plaza del Sol",
                410_000,
                1,
            ),
            project(
                "Sala d'estudi 24 hores a la Vila de Gràcia",
                "Sala de estudio 24 horas en la Vila de Gràcia",
                350_000,
                2,
            ),
            project(
                "Taller de festes majors obert tot l'any",
                "Taller de fiestas mayores abierto todo el año",
                120_000,
                3,
            ),
            project(
                "Horts urbans al Coll",
                "Huertos urbanos en El Coll",
                90_000,
                1,
            ),
            project(
                "Ascensor al passatge de la Muntanya",
                "Ascensor en el pasaje de la Muntanya",
                680_000,
                0,
            ),
        ],
    },
    DemoBudget {
        district: "D07",
        name: (
            "Pressupost d'Horta-Guinardó",
            "Presupuesto de Horta-Guinardó",
        ),
        euros: 2_200_000,
        projects: &[
            project(
                "Més escales mecàniques al Carmel",
                "Más escaleras mecánicas en El Carmel",
                900_000,
                0,
            ),
            project(
                "Recuperar la riera d'Horta com a passeig verd",
                "Recuperar la riera de Horta como paseo verde",
                750_000,
                1,
            ),
            project(
                "Piscina d'estiu al Guinardó",
                "Piscina de verano en El Guinardó",
                620_000,
                2,
            ),
            project(
                "Cinema a la fresca als jardins del Doctor Pla i Armengol",
                "Cine al aire libre en los jardines del Doctor Pla i Armengol",
                45_000,
                3,
            ),
            project(
                "Bus de barri fins a la Clota",
                "Bus de barrio hasta La Clota",
                280_000,
                0,
            ),
        ],
    },
];

fn texts(ca: &str, es: &str) -> serde_json::Value {
    serde_json::json!({ "ca": ca, "es": es })
}

/// Adds the demo budgets and their projects to the process, unless it holds budgets already;
/// returns how many budgets and projects it created.
pub async fn seed(
    tx: &DatabaseTransaction,
    organization: &Organization,
    process_id: ProcessId,
    categories: &[Uuid],
    now: OffsetDateTime,
) -> AppResult<(u32, u32)> {
    if !store::budgets::of_process(tx, process_id).await?.is_empty() {
        return Ok((0, 0));
    }
    let voting_rule = VotingRule::approval(1, 5)?;
    let (mut budgets_created, mut projects_created) = (0, 0);
    // Each project grew out of the demo proposals of its district and category (up to three):
    // the proposals show "became project X".
    let parents = super::catalog::scope_parents(tx, organization).await?;
    let proposals = store::proposals::all(
        tx,
        organization.id,
        &store::proposals::Filter {
            process_id: Some(process_id),
            states: vec!["published"],
            scopes: None,
            category: None,
            author: None,
        },
    )
    .await?;
    for (position, demo) in BUDGETS.iter().enumerate() {
        let district = store::orgs::scope_by_code(tx, organization.id, demo.district)
            .await?
            .ok_or_else(|| {
                AppError::internal(format!("demo district {} missing", demo.district))
            })?;
        let settings = BudgetSettings::new(
            Cents(demo.euros * 100),
            BudgetScope::Scope(plaza_domain::budgets::ScopeId(district.id.as_u128())),
            voting_rule,
            OutcomeRule::Greedy,
            Workflow::OwnPlusOne,
            VoteCountVisibility::HiddenWhileVoting,
        )?;
        let budget = budgets::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id.uuid(),
            process_id: process_id.uuid(),
            title: texts(demo.name.0, demo.name.1),
            description: serde_json::json!({}),
            total_cents: settings.total().0,
            scope_id: Some(district.id),
            voting_rule: serde_json::to_value(settings.voting_rule())
                .map_err(AppError::internal)?,
            outcome_rule: settings.outcome_rule().as_str().to_string(),
            workflow: settings.workflow().as_str().to_string(),
            show_votes_during_voting: false,
            position: i32::try_from(position).unwrap_or(0),
            created_at: now,
            updated_at: now,
        };
        let budget = store::budgets::insert(tx, budget).await?;
        budgets_created += 1;
        for demo_project in demo.projects {
            let cost = decide_project_cost(&settings, None, Cents(demo_project.euros * 100), 0)?;
            let row = projects::Model {
                id: Uuid::now_v7(),
                organization_id: organization.id.uuid(),
                budget_id: budget.id,
                title: texts(demo_project.title.0, demo_project.title.1),
                description: serde_json::json!({}),
                cost_cents: cost.0,
                scope_id: Some(district.id),
                category_id: categories.get(demo_project.category).copied(),
                random_key: random_key(),
                comments_count: 0,
                created_at: now,
                updated_at: now,
                votes_count: 0,
            };
            let saved = store::budgets::insert_project(tx, row).await?;
            let came_from: Vec<Uuid> = proposals
                .iter()
                .filter(|proposal| {
                    proposal.category_id == saved.category_id
                        && proposal
                            .scope_id
                            .and_then(|scope| parents.get(&scope).copied().flatten())
                            == Some(district.id)
                })
                .map(|proposal| proposal.id)
                .take(3)
                .collect();
            store::budgets::set_project_proposals(tx, saved.id, &came_from).await?;
            projects_created += 1;
        }
    }
    Ok((budgets_created, projects_created))
}
