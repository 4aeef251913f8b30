//! A budget's cast ballots as a Pabulib election: what the tally computes on and what anyone
//! downloads to recount it (DESIGN §6).
//!
//! [`election`] turns a budget, its projects and its cast ballots into the
//! [`Election`] that the tally reads, and [`with_outcome`] adds what
//! the tally found (each project's `votes` and `selected`) for the published file. Money is
//! written in currency units with two decimals (`1500000.00` for 150,000,000 cents), as the
//! Pabulib format allows. The META `rule` and `tie_breaking` name the budget's exact outcome
//! rule, so that `plaza pb tally export.pb --rule meta` funds the published projects:
//!
//! | setting | META `rule` | META `tie_breaking` |
//! | --- | --- | --- |
//! | `greedy` | `greedy` | `cost-then-votes` |
//! | `equal_shares` | `equal-shares` | `project-id` |
//!
//! Voters are named by keys the caller draws at random for each budget and file, and listed in
//! the order of those keys: nothing in the file leads back to an account, a document or the
//! order in which people voted. Knapsack and approval ballots are `approval` votes (money limits
//! are META, not ballots); cumulative ballots are `cumulative` votes with their points.

use super::ids::ProjectId;
use super::rules::{OutcomeRule, VotingRule};
use super::settings::Budget;
use crate::calendar::Date;
use crate::outcome::Tally;
use crate::pabulib::{Ballot, Decimal, Election, Project, VoteType, Voter};
use std::collections::HashMap;

/// What a file says about where the vote took place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The budget's title.
    pub description: String,
    /// The organization (`Ajuntament de Barcelona`).
    pub unit: String,
    /// The process and budget (`pressupostos-participatius-2026/<budget id>`).
    pub instance: String,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    /// The language of the names (`ca`).
    pub language: String,
    /// The first and last day of voting, if known.
    pub dates: Option<(Date, Date)>,
}

/// A project as the file lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedProject {
    pub id: ProjectId,
    /// Its cost in cents.
    pub cost_cents: i64,
    /// Its title, in [`Context::language`].
    pub name: String,
}

/// A cast ballot as the file lists it: a random key, and the chosen projects with their points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedBallot {
    pub voter_key: String,
    pub choices: Vec<(ProjectId, u32)>,
}

/// The META `rule` and `tie_breaking` of a budget's outcome rule (see the module table).
pub fn meta_rule(rule: OutcomeRule) -> (&'static str, &'static str) {
    match rule {
        OutcomeRule::Greedy => ("greedy", "cost-then-votes"),
        OutcomeRule::EqualShares => ("equal-shares", "project-id"),
    }
}

/// The Pabulib election of `budget`: `projects` in the given order, `ballots` ordered by voter
/// key. A ballot naming a project not listed is an error the caller made (`Err` with the id).
pub fn election(
    budget: &Budget,
    context: &Context,
    projects: &[ListedProject],
    ballots: &[ListedBallot],
) -> Result<Election, ProjectId> {
    let settings = &budget.settings;
    let rule = settings.voting_rule();
    let vote_type = if rule.uses_points() {
        VoteType::Cumulative
    } else {
        VoteType::Approval
    };
    let index: HashMap<ProjectId, usize> = projects
        .iter()
        .enumerate()
        .map(|(at, project)| (project.id, at))
        .collect();
    let mut ordered: Vec<&ListedBallot> = ballots.iter().collect();
    ordered.sort_by(|a, b| a.voter_key.cmp(&b.voter_key));
    let mut voters = Vec::with_capacity(ordered.len());
    for ballot in ordered {
        let mut entries = Vec::with_capacity(ballot.choices.len());
        for (project, points) in &ballot.choices {
            let at = *index.get(project).ok_or(*project)?;
            entries.push((at, Decimal::from_integer(i64::from(*points))));
        }
        entries.sort_by_key(|(at, _)| *at);
        voters.push(Voter {
            id: ballot.voter_key.clone(),
            ballot: Ballot::new(vote_type, entries),
            cells: Vec::new(),
        });
    }
    let listed = projects
        .iter()
        .map(|project| Project {
            id: project.id.to_string(),
            cost: money(project.cost_cents),
            cells: vec![Some(project.name.clone())],
        })
        .collect();
    let mut election = Election::new(vote_type, money(settings.total().0), listed, voters);
    election.project_columns = vec!["name".to_string()];
    let meta = &mut election.meta;
    meta.set("description", context.description.clone());
    meta.set("unit", context.unit.clone());
    meta.set("instance", context.instance.clone());
    meta.set("currency", context.currency.clone());
    meta.set("language", context.language.clone());
    if let Some((begin, end)) = context.dates {
        meta.set("date_begin", format_date(begin));
        meta.set("date_end", format_date(end));
    }
    let (rule_name, tie_breaking) = meta_rule(settings.outcome_rule());
    meta.set("rule", rule_name);
    meta.set("tie_breaking", tie_breaking);
    match rule {
        VotingRule::Knapsack { .. } | VotingRule::KnapsackMinProjects { .. } => {
            meta.set("max_sum_cost", money(settings.total().0).to_string());
        }
        VotingRule::Approval {
            min_projects,
            max_projects,
        } => {
            meta.set("min_length", min_projects.to_string());
            meta.set("max_length", max_projects.to_string());
        }
        VotingRule::Cumulative {
            points,
            max_per_project,
        } => {
            meta.set("max_sum_points", points.to_string());
            meta.set("max_points", max_per_project.to_string());
        }
    }
    election.sync_meta();
    Ok(election)
}

/// `election` with the tally's `votes` and `selected` (1 or 0) for every project: the file
/// anyone downloads once results are published.
pub fn with_outcome(election: &Election, tally: &Tally) -> Election {
    let mut published = election.clone();
    published
        .project_columns
        .extend(["votes".to_string(), "selected".to_string()]);
    for (project, line) in published.projects.iter_mut().zip(&tally.projects) {
        project.cells.push(Some(line.votes.to_string()));
        project
            .cells
            .push(Some(if line.selected { "1" } else { "0" }.to_string()));
    }
    published
}

/// Cents as currency units with two decimals.
fn money(cents: i64) -> Decimal {
    Decimal::from_units(i128::from(cents), 2).unwrap_or_else(|| Decimal::from_integer(0))
}

fn format_date(date: Date) -> String {
    format!("{:02}.{:02}.{}", date.day(), date.month(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budgets::{BudgetId, BudgetScope, BudgetSettings, VoteCountVisibility, Workflow};
    use crate::money::Cents;
    use crate::outcome;
    use crate::pabulib;

    fn budget(voting_rule: VotingRule, outcome_rule: OutcomeRule, total: i64) -> Budget {
        Budget {
            id: BudgetId(1),
            settings: BudgetSettings::new(
                Cents(total),
                BudgetScope::CityWide,
                voting_rule,
                outcome_rule,
                Workflow::All,
                VoteCountVisibility::HiddenWhileVoting,
            )
            .unwrap(),
        }
    }

    fn context() -> Context {
        Context {
            description: "Pressupost de Gràcia".into(),
            unit: "Ajuntament de Barcelona".into(),
            instance: "pp-2027".into(),
            currency: "EUR".into(),
            language: "ca".into(),
            dates: Some((
                Date::new(2027, 4, 1).unwrap(),
                Date::new(2027, 4, 15).unwrap(),
            )),
        }
    }

    fn project(id: u128, cost_cents: i64) -> ListedProject {
        ListedProject {
            id: ProjectId(id),
            cost_cents,
            name: format!("Projecte {id}"),
        }
    }

    fn ballot(key: &str, projects: &[u128]) -> ListedBallot {
        ListedBallot {
            voter_key: key.into(),
            choices: projects.iter().map(|id| (ProjectId(*id), 1)).collect(),
        }
    }

    /// Writes `election`, reads it back and recounts it with its own META rule.
    fn recount(election: &Election) -> Vec<String> {
        let text = pabulib::write(election).unwrap();
        let read = pabulib::parse(&text).unwrap().election;
        outcome::tally(&read, &"meta".parse().unwrap(), None)
            .unwrap()
            .selected
    }

    #[test]
    fn a_greedy_budget_is_recounted_from_its_file_with_ties_by_lower_cost() {
        // 1 and 2 tie on votes; greedy takes the cheaper 2 first, then 1 no longer fits.
        let budget = budget(
            VotingRule::knapsack(0).unwrap(),
            OutcomeRule::Greedy,
            10_000,
        );
        let projects = [project(1, 6_000), project(2, 5_000), project(3, 4_000)];
        let ballots = [
            ballot("b", &[1, 2]),
            ballot("a", &[1, 2, 3]),
            ballot("c", &[3]),
        ];
        let election = election(&budget, &context(), &projects, &ballots).unwrap();
        assert_eq!(election.meta.get("rule"), Some("greedy"));
        assert_eq!(election.meta.get("tie_breaking"), Some("cost-then-votes"));
        assert_eq!(election.budget.to_string(), "100.00");
        assert_eq!(election.projects[0].cost.to_string(), "60.00");
        let keys: Vec<&str> = election.voters.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(
            keys,
            ["a", "b", "c"],
            "voters in key order, not in the order given"
        );
        let (greedy, ties) = OutcomeRule::Greedy.computation();
        let ours = outcome::tally(&election, &greedy, Some(ties)).unwrap();
        assert_eq!(recount(&election), ours.selected);
        let id = |n: u128| ProjectId(n).to_string();
        let mut expected = vec![id(2), id(3)];
        expected.sort();
        assert_eq!(ours.selected, expected);
        // Every project has 2 votes: the cheapest goes first. Each turn explains the result.
        let turn = |n: usize| {
            let t = ours.projects[n].turn.clone().unwrap();
            (t.rank, t.money_left.to_string(), ours.projects[n].selected)
        };
        assert_eq!(turn(2), (1, "100.00".to_string(), true));
        assert_eq!(turn(1), (2, "60.00".to_string(), true));
        assert_eq!(
            turn(0),
            (3, "10.00".to_string(), false),
            "60 no longer fits in 10"
        );
    }

    #[test]
    fn an_equal_shares_budget_is_recounted_from_its_file() {
        let budget = budget(
            VotingRule::approval(1, 3).unwrap(),
            OutcomeRule::EqualShares,
            10_000,
        );
        let projects = [project(1, 6_000), project(2, 3_000), project(3, 3_000)];
        let ballots: Vec<ListedBallot> = (0..10)
            .map(|n| {
                let chosen: &[u128] = if n < 6 { &[1] } else { &[2, 3] };
                ballot(&format!("k{n}"), chosen)
            })
            .collect();
        let election = election(&budget, &context(), &projects, &ballots).unwrap();
        assert_eq!(election.meta.get("rule"), Some("equal-shares"));
        assert_eq!(election.meta.get("max_length"), Some("3"));
        let (rule, ties) = OutcomeRule::EqualShares.computation();
        let ours = outcome::tally(&election, &rule, Some(ties)).unwrap();
        assert_eq!(recount(&election), ours.selected);
        assert!(!ours.selected.is_empty());
    }

    #[test]
    fn the_published_file_adds_votes_and_the_selected_flag() {
        let budget = budget(
            VotingRule::knapsack(0).unwrap(),
            OutcomeRule::Greedy,
            10_000,
        );
        let projects = [project(1, 6_000), project(2, 5_000)];
        let ballots = [ballot("a", &[1]), ballot("b", &[1, 2])];
        let election = election(&budget, &context(), &projects, &ballots).unwrap();
        let (rule, ties) = OutcomeRule::Greedy.computation();
        let tally = outcome::tally(&election, &rule, Some(ties)).unwrap();
        let published = with_outcome(&election, &tally);
        assert_eq!(published.project_cell(0, "votes"), Some("2"));
        assert_eq!(published.project_cell(0, "selected"), Some("1"));
        assert_eq!(published.project_cell(1, "selected"), Some("0"));
        let text = pabulib::write(&published).unwrap();
        assert!(text.contains("date_begin;01.04.2027"), "{text}");
    }

    #[test]
    fn cumulative_ballots_keep_their_points() {
        let budget = budget(
            VotingRule::cumulative(5, 3).unwrap(),
            OutcomeRule::Greedy,
            10_000,
        );
        let projects = [project(1, 6_000), project(2, 5_000)];
        let ballots = [ListedBallot {
            voter_key: "a".into(),
            choices: vec![(ProjectId(1), 3), (ProjectId(2), 2)],
        }];
        let election = election(&budget, &context(), &projects, &ballots).unwrap();
        assert_eq!(election.vote_type, VoteType::Cumulative);
        assert_eq!(election.meta.get("max_sum_points"), Some("5"));
        let text = pabulib::write(&election).unwrap();
        assert!(text.contains(";3,2"), "{text}");
    }

    #[test]
    fn a_ballot_naming_an_unlisted_project_is_refused() {
        let budget = budget(
            VotingRule::knapsack(0).unwrap(),
            OutcomeRule::Greedy,
            10_000,
        );
        let refused = election(&budget, &context(), &[project(1, 10)], &[ballot("a", &[9])]);
        assert_eq!(refused, Err(ProjectId(9)));
    }
}
