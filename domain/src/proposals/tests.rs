//! The proposal rules of DESIGN §2.2, one test per rule.

use super::*;
use crate::processes::Feature;
use std::collections::BTreeMap;
use uuid::Uuid;

const ANA: UserId = UserId::from_uuid(Uuid::from_u128(1));
const BEA: UserId = UserId::from_uuid(Uuid::from_u128(2));
const OPEN: Result<(), DomainError> = Ok(());
const T0: Timestamp = Timestamp(1_800_000_000);

fn by_ana(state: ProposalState) -> Proposal {
    Proposal {
        author: ANA,
        state,
        published_at: (state != ProposalState::Draft).then_some(T0),
        supports_count: 0,
        has_supports: false,
        hidden: false,
        answer: None,
    }
}

fn roles(granted: &[Role]) -> Roles {
    Roles::new(granted.iter().copied())
}

fn text(en: &str) -> TranslatedText {
    TranslatedText::from_stored(BTreeMap::from([("en".to_string(), en.to_string())]))
}

#[test]
fn creation_needs_the_proposals_phase_and_respects_the_authors_limit() {
    let closed = Err(DomainError::Closed(Feature::ProposalsCreation));
    let settings = ProposalSettings {
        proposal_limit: 1,
        ..ProposalSettings::default()
    };
    assert_eq!(may_create(closed.clone(), 0, &settings), closed);
    assert_eq!(may_create(OPEN, 0, &settings), Ok(()));
    assert_eq!(
        may_create(OPEN, 1, &settings),
        Err(DomainError::ProposalLimitReached { limit: 1 })
    );
    assert_eq!(may_create(OPEN, 40, &ProposalSettings::default()), Ok(()));
}

#[test]
fn titles_and_bodies_have_their_lengths_in_characters() {
    let settings = ProposalSettings {
        proposal_length: 20,
        ..ProposalSettings::default()
    };
    let ok =
        ProposalText::parse("  Més ombra a la plaça  ", "Arbres a la plaça!", &settings).unwrap();
    assert_eq!(ok.title.as_str(), "Més ombra a la plaça");
    let Err(DomainError::Invalid(errors)) = ProposalText::parse("Curt", &"ç".repeat(21), &settings)
    else {
        panic!("both fields are wrong");
    };
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(found, [("title", "too_short"), ("body", "too_long")]);
}

#[test]
fn a_draft_is_seen_by_its_author_alone() {
    let draft = by_ana(ProposalState::Draft);
    let admin = roles(&[Role::Admin]);
    assert!(visible_to(
        &draft,
        Viewer::Account {
            id: ANA,
            roles: &roles(&[])
        }
    ));
    assert!(!visible_to(&draft, Viewer::Anonymous));
    assert!(!visible_to(
        &draft,
        Viewer::Account {
            id: BEA,
            roles: &admin
        }
    ));
}

#[test]
fn a_hidden_proposal_is_seen_by_its_author_and_moderators_only() {
    let hidden = Proposal {
        hidden: true,
        ..by_ana(ProposalState::Published)
    };
    let nobody = roles(&[]);
    assert!(!visible_to(&hidden, Viewer::Anonymous));
    assert!(!visible_to(
        &hidden,
        Viewer::Account {
            id: BEA,
            roles: &nobody
        }
    ));
    assert!(visible_to(
        &hidden,
        Viewer::Account {
            id: ANA,
            roles: &nobody
        }
    ));
    assert!(visible_to(
        &hidden,
        Viewer::Account {
            id: BEA,
            roles: &roles(&[Role::Moderator])
        }
    ));
    assert!(visible_to(
        &by_ana(ProposalState::Withdrawn),
        Viewer::Anonymous
    ));
}

#[test]
fn a_draft_is_always_editable_by_its_author_and_by_nobody_else() {
    let settings = ProposalSettings::default();
    let much_later = Timestamp(T0.seconds() + 86_400 * 30);
    let draft = by_ana(ProposalState::Draft);
    assert_eq!(may_edit(ANA, &draft, &settings, much_later), Ok(()));
    assert_eq!(
        may_edit(BEA, &draft, &settings, much_later),
        Err(DomainError::Forbidden)
    );
}

#[test]
fn a_published_proposal_is_editable_within_the_window_while_unsupported() {
    let settings = ProposalSettings::default();
    let published = by_ana(ProposalState::Published);
    let within = Timestamp(T0.seconds() + 300);
    let after = Timestamp(T0.seconds() + 301);
    assert_eq!(may_edit(ANA, &published, &settings, within), Ok(()));
    assert_eq!(
        may_edit(ANA, &published, &settings, after),
        Err(DomainError::EditWindowClosed)
    );
    let supported = Proposal {
        has_supports: true,
        ..published.clone()
    };
    assert_eq!(
        may_edit(ANA, &supported, &settings, within),
        Err(DomainError::ProposalHasSupports)
    );
    let accepted = by_ana(ProposalState::Accepted);
    assert_eq!(
        may_edit(ANA, &accepted, &settings, within),
        Err(DomainError::ProposalStateConflict {
            state: ProposalState::Accepted
        })
    );
}

#[test]
fn only_the_author_publishes_a_draft_while_creation_is_open() {
    let draft = by_ana(ProposalState::Draft);
    assert_eq!(publish(ANA, &draft, OPEN, T0), Ok(T0));
    assert_eq!(publish(BEA, &draft, OPEN, T0), Err(DomainError::Forbidden));
    let closed = Err(DomainError::Closed(Feature::ProposalsCreation));
    assert_eq!(
        publish(ANA, &draft, closed, T0),
        Err(DomainError::Closed(Feature::ProposalsCreation))
    );
    assert_eq!(
        publish(ANA, &by_ana(ProposalState::Published), OPEN, T0),
        Err(DomainError::ProposalStateConflict {
            state: ProposalState::Published
        })
    );
}

#[test]
fn the_author_withdraws_an_unsupported_draft_or_published_proposal() {
    assert_eq!(
        withdraw(ANA, &by_ana(ProposalState::Draft)),
        Ok(ProposalState::Withdrawn)
    );
    assert_eq!(
        withdraw(ANA, &by_ana(ProposalState::Published)),
        Ok(ProposalState::Withdrawn)
    );
    assert_eq!(
        withdraw(BEA, &by_ana(ProposalState::Published)),
        Err(DomainError::Forbidden)
    );
    let supported = Proposal {
        has_supports: true,
        ..by_ana(ProposalState::Published)
    };
    assert_eq!(
        withdraw(ANA, &supported),
        Err(DomainError::ProposalHasSupports)
    );
    assert_eq!(
        withdraw(ANA, &by_ana(ProposalState::Rejected)),
        Err(DomainError::ProposalStateConflict {
            state: ProposalState::Rejected
        })
    );
}

fn form(state: AnswerState) -> AnswerForm {
    AnswerForm {
        state,
        text: None,
        cost: None,
    }
}

#[test]
fn only_evaluators_and_admins_answer_published_proposals() {
    let settings = ProposalSettings::default();
    let published = by_ana(ProposalState::Published);
    let evaluating = form(AnswerState::Evaluating);
    assert_eq!(
        answer(&roles(&[]), &published, evaluating.clone(), &settings, T0),
        Err(DomainError::Forbidden)
    );
    assert!(
        answer(
            &roles(&[Role::Evaluator]),
            &published,
            evaluating.clone(),
            &settings,
            T0
        )
        .is_ok()
    );
    assert!(
        answer(
            &roles(&[Role::Admin]),
            &published,
            evaluating.clone(),
            &settings,
            T0
        )
        .is_ok()
    );
    assert_eq!(
        answer(
            &roles(&[Role::Evaluator]),
            &by_ana(ProposalState::Draft),
            evaluating,
            &settings,
            T0
        ),
        Err(DomainError::ProposalStateConflict {
            state: ProposalState::Draft
        })
    );
}

#[test]
fn a_rejection_needs_a_text_and_an_acceptance_a_cost_when_answers_have_costs() {
    let evaluator = roles(&[Role::Evaluator]);
    let published = by_ana(ProposalState::Published);
    let with_costs = ProposalSettings {
        answers_with_costs: true,
        ..ProposalSettings::default()
    };
    let Err(DomainError::Invalid(errors)) = answer(
        &evaluator,
        &published,
        form(AnswerState::Rejected),
        &with_costs,
        T0,
    ) else {
        panic!("a rejection without a text");
    };
    assert_eq!(
        (errors[0].field.as_str(), errors[0].code.as_str()),
        ("answer", "required")
    );
    let Err(DomainError::Invalid(errors)) = answer(
        &evaluator,
        &published,
        form(AnswerState::Accepted),
        &with_costs,
        T0,
    ) else {
        panic!("an acceptance without its cost");
    };
    assert_eq!(
        (errors[0].field.as_str(), errors[0].code.as_str()),
        ("cost", "required")
    );
    let costed = AnswerForm {
        cost: Some(Cents(1_500_000)),
        ..form(AnswerState::Accepted)
    };
    assert!(answer(&evaluator, &published, costed, &with_costs, T0).is_ok());
    let rejected = AnswerForm {
        text: Some(text("Outside the city's competences.")),
        ..form(AnswerState::Rejected)
    };
    assert!(answer(&evaluator, &published, rejected, &with_costs, T0).is_ok());
}

#[test]
fn an_answer_is_public_at_once_or_on_its_own_publication() {
    let evaluator = roles(&[Role::Evaluator]);
    let published = by_ana(ProposalState::Published);
    let immediate = answer(
        &evaluator,
        &published,
        form(AnswerState::Accepted),
        &ProposalSettings::default(),
        T0,
    )
    .unwrap();
    assert_eq!(immediate.public_state, ProposalState::Accepted);
    assert_eq!(immediate.answer.published_at, Some(T0));

    let private = ProposalSettings {
        publish_answers_immediately: false,
        ..ProposalSettings::default()
    };
    let held = answer(
        &evaluator,
        &published,
        form(AnswerState::Accepted),
        &private,
        T0,
    )
    .unwrap();
    assert_eq!(held.public_state, ProposalState::Published);
    assert!(!answer_visible_to(&held.answer, Viewer::Anonymous));
    assert!(answer_visible_to(
        &held.answer,
        Viewer::Account {
            id: BEA,
            roles: &evaluator
        }
    ));

    let answered = Proposal {
        answer: Some(held.answer),
        ..published
    };
    let later = Timestamp(T0.seconds() + 60);
    let out = publish_answer(&evaluator, &answered, later).unwrap();
    assert_eq!(out.public_state, ProposalState::Accepted);
    assert_eq!(out.answer.published_at, Some(later));
    let public = Proposal {
        answer: Some(out.answer),
        ..answered
    };
    assert_eq!(
        publish_answer(&evaluator, &public, later),
        Err(DomainError::AnswerAlreadyPublished)
    );
    assert_eq!(
        publish_answer(&evaluator, &by_ana(ProposalState::Published), later),
        Err(DomainError::NotAnswered)
    );
}

#[test]
fn a_cost_is_never_negative() {
    let negative = AnswerForm {
        cost: Some(Cents(-1)),
        ..form(AnswerState::Accepted)
    };
    let Err(DomainError::Invalid(errors)) = answer(
        &roles(&[Role::Evaluator]),
        &by_ana(ProposalState::Published),
        negative,
        &ProposalSettings::default(),
        T0,
    ) else {
        panic!("a negative cost");
    };
    assert_eq!(errors[0].code, "out_of_range");
}

#[test]
fn every_state_reads_back_from_its_name() {
    for state in ProposalState::ALL {
        assert_eq!(ProposalState::parse(state.as_str()), Some(state));
    }
    assert_eq!(ProposalState::parse("hidden"), None);
}

#[test]
fn a_list_shows_published_and_answered_proposals_and_drafts_only_to_their_author() {
    let ana = UserId::from_uuid(uuid::Uuid::from_u128(77));
    let everyone = listing(None, None, false);
    assert_eq!(everyone.states, LISTED.to_vec());
    assert_eq!(everyone.author, None);
    assert!(!everyone.states.contains(&ProposalState::Withdrawn));
    assert_eq!(
        listing(Some(ana), None, false),
        everyone,
        "the same list signed in"
    );
    let mine = listing(Some(ana), None, true);
    assert_eq!(mine.author, Some(ana));
    assert!(mine.states.contains(&ProposalState::Draft));
    assert_eq!(
        listing(Some(ana), Some(ProposalState::Draft), false),
        Listing {
            states: vec![ProposalState::Draft],
            author: Some(ana)
        },
        "asking for drafts lists one's own"
    );
    assert!(
        listing(None, Some(ProposalState::Draft), false)
            .states
            .is_empty()
    );
    assert_eq!(
        listing(None, Some(ProposalState::Withdrawn), false).states,
        [ProposalState::Withdrawn]
    );
}
