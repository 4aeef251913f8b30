//! The demo's residents, proposals, supports, a debate and comment threads: what
//! `plaza seed --demo` adds to the Barcelona process so that a newcomer opens a living list
//! (issue 7, point 8).
//!
//! A dozen residents (accounts without a password: nobody signs in as them) write three dozen
//! proposals in Catalan and Spanish about real neighbourhoods, each placed in its neighbourhood
//! and filed under a category of the process, support one another's, talk some of them through
//! in threads, and open a debate on the superblocks. Everything is written as the use cases would
//! leave it: published proposals with their publication time, one support row per resident and
//! proposal, each proposal's `supports_count` and each item's `comments_count` equal to its
//! rows. Nothing is written when the process holds proposals already.

use super::error::{AppError, AppResult};
use super::seed::BARCELONA;
use super::tenancy::Organization;
use crate::store::{
    self,
    entities::{comments, debates, proposal_supports, proposals, users},
};
use plaza_domain::proposals::ProposalState;
use plaza_domain::{ProcessId, ScopeId};
use sea_orm::DatabaseTransaction;
use time::OffsetDateTime;
use uuid::Uuid;

/// The demo residents: name, nickname.
const RESIDENTS: [(&str, &str); 12] = [
    ("Núria Puig", "nuria_puig"),
    ("Jordi Vidal", "jordi_vidal"),
    ("Marta Soler", "marta_soler"),
    ("Pau Ferrer", "pau_ferrer"),
    ("Laia Costa", "laia_costa"),
    ("Carlos García", "carlos_garcia"),
    ("Lucía Martín", "lucia_martin"),
    ("Ahmed Benali", "ahmed_benali"),
    ("Mei Chen", "mei_chen"),
    ("Oriol Serra", "oriol_serra"),
    ("Aina Roca", "aina_roca"),
    ("Javier López", "javier_lopez"),
];

/// One demo proposal: its neighbourhood (as named in [`BARCELONA`]), its category (a position
/// among the demo categories), its title and body, and how many residents support it.
struct DemoProposal {
    neighbourhood: &'static str,
    category: usize,
    title: &'static str,
    body: &'static str,
    supporters: usize,
}

const fn proposal(
    neighbourhood: &'static str,
    category: usize,
    title: &'static str,
    body: &'static str,
    supporters: usize,
) -> DemoProposal {
    DemoProposal {
        neighbourhood,
        category,
        title,
        body,
        supporters,
    }
}

// Categories: 0 mobility, 1 green spaces, 2 public facilities, 3 culture, 4 housing.
const PROPOSALS: [DemoProposal; 36] = [
    proposal(
        "el Raval",
        1,
        "Més ombra i bancs a la Rambla del Raval",
        "Plantar arbres de fulla caduca i posar bancs amb respatller al llarg de la rambla, perquè la gent gran hi pugui seure a l'estiu sense cremar-se.",
        9,
    ),
    proposal(
        "el Raval",
        2,
        "Una biblioteca oberta fins a mitjanit en època d'exàmens",
        "Els estudiants del barri no tenen on estudiar a casa. Proposem obrir la biblioteca Sant Pau - Santa Creu fins a les 24 h durant els mesos d'exàmens.",
        7,
    ),
    proposal(
        "el Barri Gòtic",
        0,
        "Zona de càrrega i descàrrega només de matinada",
        "Els camions ocupen els carrers estrets tot el matí. Limitar la distribució de mercaderies de 6 a 10 h alliberaria l'espai per als veïns i veïnes.",
        3,
    ),
    proposal(
        "la Barceloneta",
        1,
        "Dutxes i fonts d'aigua potable a tot el passeig marítim",
        "Cada 200 metres una font i una dutxa, amb aigua regenerada per a les dutxes, per a banyistes i corredors.",
        8,
    ),
    proposal(
        "la Barceloneta",
        4,
        "Inspeccions dels pisos turístics il·legals",
        "Un equip municipal dedicat a detectar pisos turístics sense llicència al barri, amb un canal perquè els veïns en puguin informar.",
        11,
    ),
    proposal(
        "Sant Pere, Santa Caterina i la Ribera",
        3,
        "Concerts gratuïts al claustre del Born els diumenges",
        "Cicle de música de cambra i jazz per a totes les edats, organitzat amb les escoles de música del districte.",
        4,
    ),
    proposal(
        "la Sagrada Família",
        0,
        "Pacificar el carrer de Provença davant del temple",
        "Convertir el tram en plataforma única amb prioritat per a vianants, i desviar els autocars turístics a un aparcament soterrat.",
        6,
    ),
    proposal(
        "la Sagrada Família",
        1,
        "Renovar els jocs infantils de la plaça de Gaudí",
        "Els jocs actuals tenen més de quinze anys i molts estan trencats. Proposem jocs inclusius, accessibles per a infants amb mobilitat reduïda.",
        5,
    ),
    proposal(
        "l'Antiga Esquerra de l'Eixample",
        1,
        "Obrir l'interior d'illa del carrer d'Enric Granados",
        "Recuperar el pati interior com a jardí públic amb horaris d'obertura, com ja es fa en altres illes de l'Eixample.",
        7,
    ),
    proposal(
        "Sant Antoni",
        0,
        "Més aparcament segur per a bicicletes al voltant del mercat",
        "Aparcaments tancats i vigilats per a bicicletes, amb places per a bicicletes de càrrega de les botigues del mercat.",
        6,
    ),
    proposal(
        "Sant Antoni",
        2,
        "Un casal per a joves al barri de Sant Antoni",
        "Un espai autogestionat per a joves de 14 a 25 anys amb sala d'assaig, estudi i activitats de tarda.",
        4,
    ),
    proposal(
        "el Poble-sec",
        1,
        "Connectar el Poble-sec amb Montjuïc amb escales mecàniques cobertes",
        "Les escales del carrer de Margarit són molt costerudes. Cobrir-les i fer-les mecàniques facilitaria l'accés de la gent gran al parc.",
        10,
    ),
    proposal(
        "el Poble-sec",
        3,
        "Murals d'artistes del barri a les mitgeres buides",
        "Convocatòria anual perquè artistes locals pintin les parets mitgeres, amb la participació de les escoles.",
        3,
    ),
    proposal(
        "Hostafrancs",
        2,
        "Ampliar l'horari del poliesportiu municipal",
        "Obrir a les 6 del matí perquè qui treballa pugui fer esport abans d'anar a la feina.",
        2,
    ),
    proposal(
        "Sants",
        0,
        "Carril bici segregat a la carretera de Sants",
        "Un carril bici protegit de punta a punta, que connecti amb la xarxa de la Gran Via i de les Corts.",
        8,
    ),
    proposal(
        "Sants",
        1,
        "Un refugi climàtic a cada escola de Sants",
        "Adaptar els patis de les escoles amb ombra, vegetació i fonts, i obrir-los a l'estiu com a refugis climàtics per al veïnat.",
        9,
    ),
    proposal(
        "les Corts",
        2,
        "Sala d'estudi 24 hores prop de la Zona Universitària",
        "Molts estudiants viuen al barri i necessiten un espai tranquil per estudiar a qualsevol hora.",
        3,
    ),
    proposal(
        "Sarrià",
        0,
        "Més freqüència del bus de barri a Sarrià",
        "El bus 130 passa cada vint minuts. Proposem reduir-ho a deu a les hores punta i allargar el servei fins a les 23 h.",
        2,
    ),
    proposal(
        "Sant Gervasi - Galvany",
        1,
        "Jardins verticals a les façanes dels equipaments municipals",
        "Cobrir les façanes orientades a sud amb vegetació per reduir la temperatura dels edificis i del carrer.",
        1,
    ),
    proposal(
        "la Vila de Gràcia",
        3,
        "Un espai fix per a les colles de la Festa Major",
        "Un local on les comissions de carrer puguin guardar i preparar els guarniments durant tot l'any.",
        7,
    ),
    proposal(
        "la Vila de Gràcia",
        0,
        "Superilla al voltant de la plaça del Sol",
        "Estendre la pacificació als carrers del voltant, amb zones de joc i menys soroll a la nit.",
        6,
    ),
    proposal(
        "el Coll",
        0,
        "Un ascensor entre el Coll i el parc Güell",
        "El desnivell fa que molts veïns grans no puguin arribar al parc. Un ascensor inclinat salvaria la pujada.",
        5,
    ),
    proposal(
        "el Camp d'en Grassot i Gràcia Nova",
        2,
        "Recuperar l'antiga fàbrica com a centre cívic",
        "La nau abandonada del carrer de Sant Antoni Maria Claret podria acollir tallers, un casal de gent gran i una ludoteca.",
        4,
    ),
    proposal(
        "el Baix Guinardó",
        1,
        "Horts urbans als solars buits del barri",
        "Cedir els solars municipals sense ús a entitats per fer-hi horts comunitaris, amb prioritat per a escoles i gent gran.",
        6,
    ),
    proposal(
        "el Carmel",
        0,
        "Més escales mecàniques al Carmel",
        "Els carrers amb més pendent necessiten escales mecàniques o rampes per a la gent gran i els cotxets.",
        10,
    ),
    proposal(
        "Horta",
        3,
        "Recuperar els safareigs d'Horta com a espai de memòria",
        "Restaurar els antics safareigs i explicar la història de les bugaderes del barri amb visites guiades.",
        3,
    ),
    proposal(
        "la Vall d'Hebron",
        1,
        "Camí segur per anar a peu a l'hospital",
        "Il·luminació, bancs i voreres amples entre el metro i l'hospital, per a pacients i acompanyants.",
        5,
    ),
    proposal(
        "la Prosperitat",
        2,
        "Una piscina descoberta a Nou Barris",
        "El districte no té cap piscina d'estiu. Proposem una piscina pública a la zona de la Prosperitat.",
        9,
    ),
    proposal(
        "les Roquetes",
        0,
        "Un bus directe de les Roquetes a l'hospital de Sant Pau",
        "Avui calen dos transbords. Una línia directa ajudaria molt a la gent gran del barri.",
        6,
    ),
    proposal(
        "la Trinitat Vella",
        1,
        "Pantalla acústica verda al costat de la ronda",
        "Una barrera vegetal que redueixi el soroll i la contaminació de la ronda de Dalt als habitatges propers.",
        4,
    ),
    proposal(
        "Sant Andreu",
        3,
        "Un festival de cinema a la fresca a la plaça d'Orfila",
        "Sessions gratuïtes els dijous de juliol, amb pel·lícules triades pel veïnat.",
        5,
    ),
    proposal(
        "la Sagrera",
        1,
        "Accelerar el parc lineal de la Sagrera",
        "Obrir per fases els trams ja acabats del parc sobre les vies, sense esperar el final de tota l'obra.",
        8,
    ),
    proposal(
        "el Clot",
        2,
        "Un punt d'atenció a la gent gran que viu sola",
        "Un servei de trucades i visites setmanals, amb voluntariat del barri i suport dels serveis socials.",
        7,
    ),
    proposal(
        "el Poblenou",
        4,
        "Habitatge protegit als antics solars industrials",
        "Reservar la meitat dels solars del 22@ que encara no s'han edificat per a habitatge de lloguer assequible.",
        11,
    ),
    proposal(
        "el Besòs i el Maresme",
        2,
        "Más zonas de sombra en los patios de las escuelas",
        "Los patios del barrio son de cemento y en junio son un horno. Proponemos toldos, árboles y zonas verdes en todas las escuelas públicas.",
        8,
    ),
    proposal(
        "la Verneda i la Pau",
        0,
        "Carril bici que una la Verneda con el Fòrum",
        "Un recorrido seguro en bici desde el barrio hasta el mar, separado del tráfico de la Rambla de Prim.",
        4,
    ),
];

/// A demo thread: its comments as (author, depth, alignment, text), each reply under the
/// previous comment of lower depth.
type DemoThread = &'static [(usize, i16, i16, &'static str)];

/// Threads on the first proposals (by position in [`PROPOSALS`]).
const PROPOSAL_THREADS: [(usize, DemoThread); 3] = [
    (
        0,
        &[
            (
                3,
                0,
                1,
                "Molt d'acord: a l'agost no s'hi pot estar sense ombra.",
            ),
            (
                0,
                1,
                0,
                "I que siguin bancs amb respatller, que la gent gran els necessita.",
            ),
            (5, 2, 1, "Sí, i alguna font a prop dels bancs."),
            (
                8,
                0,
                -1,
                "Els arbres tapen la llum de les botigues; millor pèrgoles.",
            ),
            (
                0,
                1,
                0,
                "Les pèrgoles també són una bona opció, es pot estudiar.",
            ),
        ],
    ),
    (
        4,
        &[
            (
                6,
                0,
                1,
                "En mi escalera ya hay tres pisos turísticos: necesitamos inspecciones de verdad.",
            ),
            (
                10,
                1,
                1,
                "I que les multes es cobrin, que ara surt a compte.",
            ),
        ],
    ),
    (
        11,
        &[
            (
                2,
                0,
                1,
                "Les escales del carrer de Margarit són un suplici amb el carro de la compra.",
            ),
            (
                9,
                0,
                0,
                "Cal pensar també en el manteniment: les mecàniques s'espatllen sovint.",
            ),
            (
                2,
                1,
                0,
                "Per això les proposem cobertes, que aguanten millor la pluja.",
            ),
        ],
    ),
];

/// The demo debate.
const DEBATE_TITLE: &str = "Superilles: com les volem al nostre barri?";
const DEBATE_DESCRIPTION: &str = "Les superilles han canviat carrers de l'Eixample i de Sant \
    Antoni. Volem saber què en penseu: què hi ha guanyat el barri, què hi ha perdut, i com \
    hauria de ser la propera.";
const DEBATE_THREAD: DemoThread = &[
    (
        1,
        0,
        1,
        "Al carrer del Consell de Cent ara s'hi pot parlar i els nens hi juguen.",
    ),
    (
        7,
        1,
        -1,
        "Però el trànsit s'ha desviat als carrers del costat, que ara tenen més soroll.",
    ),
    (
        1,
        2,
        0,
        "Cert: caldria mesurar-ho i ajustar els sentits de circulació.",
    ),
    (
        11,
        0,
        0,
        "Las terrazas ocupan demasiado espacio; hay que dejar sitio para sentarse sin consumir.",
    ),
];

/// Writes the demo residents, proposals, supports, debate and threads into the process
/// `process_id` unless it holds proposals already; how many proposals and supports it wrote.
pub(super) async fn seed(
    tx: &DatabaseTransaction,
    organization: &Organization,
    process_id: ProcessId,
    categories: &[Uuid],
    now: OffsetDateTime,
) -> AppResult<(u32, u32)> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let existing = proposals::Entity::find()
        .filter(proposals::Column::ProcessId.eq(process_id.uuid()))
        .count(tx)
        .await?;
    if existing > 0 {
        return Ok((0, 0));
    }
    let residents = residents(tx, organization, now).await?;
    let mut supports = 0;
    let mut written = Vec::new();
    for (index, demo) in PROPOSALS.iter().enumerate() {
        let author = residents[index % residents.len()];
        let scope = scope_of(tx, organization, demo.neighbourhood).await?;
        let category = categories.get(demo.category).copied();
        // Published over the weeks before now, oldest first.
        let weeks_ago = i64::try_from(PROPOSALS.len() - index).unwrap_or(0);
        let published_at = crate::clock::storable(now - time::Duration::hours(weeks_ago * 20));
        // The author does not support their own; the next residents in the list do.
        let supporters: Vec<Uuid> = residents
            .iter()
            .cycle()
            .skip(index % residents.len() + 1)
            .take(demo.supporters.min(residents.len() - 1))
            .copied()
            .collect();
        let row = proposals::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id.uuid(),
            process_id: process_id.uuid(),
            author_id: author,
            scope_id: Some(scope.uuid()),
            category_id: category,
            title: demo.title.to_string(),
            body: demo.body.to_string(),
            state: ProposalState::Published.as_str().to_string(),
            hidden: false,
            supports_count: i32::try_from(supporters.len()).unwrap_or(0),
            comments_count: 0,
            recency: super::proposals::recency(published_at),
            random_key: super::proposals::random_key(),
            published_at: Some(published_at),
            answer_state: None,
            answer_text: None,
            answer_cost: None,
            answered_at: None,
            answer_published_at: None,
            created_at: published_at,
            updated_at: published_at,
        };
        let saved = store::proposals::insert(tx, row).await?;
        written.push(saved.id);
        for supporter in supporters {
            store::proposals::insert_support(
                tx,
                proposal_supports::Model {
                    proposal_id: saved.id,
                    user_id: supporter,
                    process_id: process_id.uuid(),
                    counted: true,
                    created_at: now,
                },
            )
            .await?;
            supports += 1;
        }
    }
    for (position, thread) in PROPOSAL_THREADS {
        let proposal = written[position];
        write_thread(
            tx,
            organization,
            &residents,
            "proposal",
            proposal,
            thread,
            now,
        )
        .await?;
    }
    let debate = debates::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id.uuid(),
        process_id: process_id.uuid(),
        author_id: residents[4],
        scope_id: None,
        category_id: categories.first().copied(),
        title: DEBATE_TITLE.to_string(),
        description: DEBATE_DESCRIPTION.to_string(),
        conclusions: None,
        closed_by: None,
        closed_at: None,
        hidden: false,
        comments_count: 0,
        recency: super::proposals::recency(now),
        random_key: super::proposals::random_key(),
        created_at: now,
        edited_at: None,
    };
    let debate = store::debates::insert(tx, debate).await?;
    write_thread(
        tx,
        organization,
        &residents,
        "debate",
        debate.id,
        DEBATE_THREAD,
        now,
    )
    .await?;
    Ok((u32::try_from(PROPOSALS.len()).unwrap_or(0), supports))
}

/// Writes `thread` on the item and moves its `comments_count` by as many comments.
async fn write_thread(
    tx: &DatabaseTransaction,
    organization: &Organization,
    residents: &[Uuid],
    target_kind: &str,
    target_id: Uuid,
    thread: DemoThread,
    now: OffsetDateTime,
) -> AppResult<()> {
    // The latest comment written at each depth: a reply goes under the one above its depth.
    let mut latest: Vec<(Uuid, Uuid)> = Vec::new();
    for (offset, (author, depth, alignment, text)) in thread.iter().enumerate() {
        let id = Uuid::now_v7();
        let depth_index = usize::try_from(*depth).unwrap_or(0);
        let parent = depth_index
            .checked_sub(1)
            .and_then(|above| latest.get(above).copied());
        let root_id = parent.map_or(id, |(_, root)| root);
        latest.truncate(depth_index);
        latest.push((id, root_id));
        let minutes = i64::try_from(thread.len() - offset).unwrap_or(0) * 37;
        let row = comments::Model {
            id,
            organization_id: organization.id.uuid(),
            target_kind: target_kind.to_string(),
            target_id,
            parent_id: parent.map(|(parent, _)| parent),
            root_id,
            depth: *depth,
            author_id: residents[*author % residents.len()],
            alignment: *alignment,
            body: (*text).to_string(),
            hidden: false,
            up_votes: 0,
            down_votes: 0,
            score: 0,
            created_at: crate::clock::storable(now - time::Duration::minutes(minutes)),
            edited_at: None,
            deleted_at: None,
        };
        store::comments::insert(tx, row).await?;
    }
    let count = i32::try_from(thread.len()).unwrap_or(0);
    store::comments::add_to_count(tx, target_kind, target_id, count).await?;
    Ok(())
}

/// The demo residents' ids, created when missing (by their address).
async fn residents(
    tx: &DatabaseTransaction,
    organization: &Organization,
    now: OffsetDateTime,
) -> AppResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    for (name, nickname) in RESIDENTS {
        let email = format!("{nickname}@demo.plaza.localhost");
        if let Some(existing) = store::users::by_email(tx, organization.id, &email).await? {
            ids.push(existing.id);
            continue;
        }
        let row = users::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id.uuid(),
            email,
            password_hash: None,
            name: Some(name.to_string()),
            nickname: Some(nickname.to_string()),
            locale: "ca".into(),
            notification_mail: "none".into(),
            confirmed_at: Some(now),
            blocked_at: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
            admin_grade_password: false,
        };
        ids.push(store::users::insert(tx, row).await?.id);
    }
    Ok(ids)
}

/// The scope of a neighbourhood named in [`BARCELONA`] (its code is its number in the list).
async fn scope_of(
    tx: &DatabaseTransaction,
    organization: &Organization,
    neighbourhood: &str,
) -> AppResult<ScopeId> {
    let number = BARCELONA
        .iter()
        .flat_map(|(_, neighbourhoods)| neighbourhoods.iter())
        .position(|name| *name == neighbourhood)
        .ok_or_else(|| AppError::internal(format!("no demo neighbourhood {neighbourhood}")))?
        + 1;
    let code = format!("B{number:02}");
    store::orgs::scope_by_code(tx, organization.id, &code)
        .await?
        .map(|scope| ScopeId::from(scope.id))
        .ok_or_else(|| AppError::internal(format!("no demo scope {code}")))
}
