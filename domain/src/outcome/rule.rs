//! The outcome rules as values, their names, and which ballots each one reads.
//!
//! A rule is one of four families (pabutools' greedy, the cities' greedy, pabutools' Method of
//! Equal Shares, the equalshares.net compute tool's Method of Equal Shares) plus the choices that
//! make a variant: the satisfaction measure, how the endowment is increased, how the leftover is
//! filled and whether a comparison step follows. Every key of the reference `.expected.json` files
//! parses to one value and every value prints back as its key, so a rule can travel as text.

use std::fmt;
use std::str::FromStr;

use super::error::OutcomeError;
use super::tie::TieBreaking;
use crate::pabulib::{Election, VoteType};

/// How much a voter gains from a funded project they listed (pabutools' satisfaction classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Satisfaction {
    /// `Cost_Sat`: the project's cost. Greedy then orders by votes; MES splits costs equally.
    Cost,
    /// `Cardinality_Sat`: 1. Greedy then orders by votes per unit of cost.
    Cardinality,
    /// The ballot's own score: the points of a cumulative or scoring vote
    /// (`Additive_Cardinal_Sat`), or `L − position` on a ranking of length `L` (the Pabulib
    /// ordinal score). Not defined for approval ballots.
    Score,
    /// The score times the project's cost: greedy then orders by total score, the cities' rule.
    ScoreTimesCost,
    /// Only in aliases: [`Satisfaction::Cost`] for approval and choose-1 ballots,
    /// [`Satisfaction::Score`] for the others (DESIGN §2.5). Resolved against the election.
    ByVoteType,
}

impl Satisfaction {
    fn resolve(self, vote_type: VoteType) -> Satisfaction {
        match self {
            Satisfaction::ByVoteType if vote_type.is_approval() => Satisfaction::Cost,
            Satisfaction::ByVoteType => Satisfaction::Score,
            other => other,
        }
    }
}

/// How the per-voter endowment grows across repeated runs of MES ("add1" completions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Increase {
    /// One run with the endowment budget/n.
    None,
    /// Add one currency unit per voter and run again until the outcome is exhaustive; if a run
    /// overspends the budget, return the previous one.
    UntilExhaustive,
    /// Add one currency unit per voter as long as the next run still fits the budget; return the
    /// last run that fits (no exhaustiveness stop).
    WhileNextFits,
}

/// What fills the money MES leaves unspent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fill {
    /// Nothing: the leftover stays unspent.
    None,
    /// A greedy pass over the projects not yet selected, adding each that still fits: by the
    /// rule's own greedy order for pabutools MES, by votes for the equalshares.net tool (its
    /// "utilitarian completion").
    Greedy,
}

/// The equalshares.net comparison step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// No comparison: the MES outcome stands.
    None,
    /// Compare with the plain greedy-by-votes outcome: if more voters approve more winners of the
    /// greedy outcome than of the MES outcome, the greedy outcome is chosen (Wieliczka 2023).
    Satisfaction,
}

/// The cities' greedy rules, as the Pabulib checker reconstructs them from the `selected` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CityRule {
    /// `greedy`: by score (votes, or points for cumulative, or ordinal score), skip what does not
    /// fit. As in the checker's reconstruction, a project nobody voted for is funded too when it
    /// still fits at the end.
    Greedy,
    /// `greedy-threshold`: the same, only projects whose score is at least META
    /// `min_project_score_threshold`.
    Threshold,
    /// `greedy-no-skip`: stop at the first project that does not fit; projects costing the
    /// sentinel 999999999 (withdrawn) are passed over; META `min_project_score_threshold` applies
    /// when present.
    NoSkip,
}

/// An outcome rule. See the table in the [module documentation](super) for every name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeRule {
    /// The rule named by the file's META `rule` ([`OutcomeRule::from_meta`]).
    Meta,
    /// pabutools `greedy_utilitarian_welfare`: projects by total satisfaction per unit of cost,
    /// each added if it still fits; projects nobody supports are added last if money remains.
    Greedy {
        /// What each supporter gains.
        satisfaction: Satisfaction,
    },
    /// The cities' greedy rules.
    City(CityRule),
    /// pabutools `method_of_equal_shares`, endowment budget/n (+ k with an increase).
    Mes {
        /// The utilities MES equalizes.
        satisfaction: Satisfaction,
        /// The add1 loop, if any.
        increase: Increase,
        /// The greedy fill after MES, if any.
        fill: Fill,
    },
    /// The equalshares.net compute tool's Method of Equal Shares on approval ballots (cost
    /// utilities): add1 starts from the whole-unit endowment ⌊budget/n⌋ and tests exhaustiveness
    /// over all projects; when all projects together fit the budget it runs once with budget/n.
    EqualShares {
        /// The tool's add1 loop, if any.
        increase: Increase,
        /// The tool's utilitarian completion, if any.
        fill: Fill,
        /// The tool's comparison step, if any.
        comparison: Comparison,
    },
}

impl OutcomeRule {
    /// Every key that occurs in the reference `.expected.json` files.
    pub const EXPECTED_FILE_KEYS: [&'static str; 21] = [
        "greedy_cost_sat",
        "greedy_cardinality_sat",
        "greedy_score",
        "greedy_points_per_cost",
        "greedy_votes_cost_sat",
        "mes_cost_sat",
        "mes_cardinality_sat",
        "mes_points",
        "mes_score",
        "mes_cost_sat_add1",
        "mes_points_add1",
        "mes_cost_sat_add1_then_greedy",
        "mes_points_add1_then_greedy",
        "mes_cost_sat_budget_increase_no_exhaustive_stop",
        "mes_points_budget_increase_no_exhaustive_stop",
        "esnet_add1",
        "esnet_add1u",
        "esnet_add1_no_exhaustive_stop",
        "esnet_add1_no_exhaustive_stop_comparison",
        "esnet_add1_comparison",
        "esnet_add1u_comparison",
    ];

    /// The rule a META `rule` value stands for.
    ///
    /// `greedy`, `greedy-threshold` and `greedy-no-skip` are the city rules; `equal-shares` is
    /// Plaza's `equal_shares` budget setting (MES raised while the outcome fits, then greedy),
    /// as Plaza's exports name it. The Equal Shares
    /// labels map to the equalshares.net tool rules **without** the exhaustiveness stop, which is
    /// what reproduces the published outcomes (Wieliczka 2023, Assen 2024) and what the Pabulib
    /// checker computes: `equalshares` → `esnet`, `equalshares-comparison` → `esnet_comparison`,
    /// `equalshares/add1` → `esnet_add1_no_exhaustive_stop`, `equalshares/add1-comparison` →
    /// `esnet_add1_no_exhaustive_stop_comparison`. `greedy-custom`, `greedy-exclusive` and
    /// `unknown` describe city-specific rules that the file does not define.
    pub fn from_meta(value: &str) -> Result<OutcomeRule, OutcomeError> {
        let tool = |increase, comparison| OutcomeRule::EqualShares {
            increase,
            fill: Fill::None,
            comparison,
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "greedy" => Ok(OutcomeRule::City(CityRule::Greedy)),
            "greedy-threshold" => Ok(OutcomeRule::City(CityRule::Threshold)),
            "greedy-no-skip" => Ok(OutcomeRule::City(CityRule::NoSkip)),
            "equalshares" => Ok(tool(Increase::None, Comparison::None)),
            "equalshares-comparison" => Ok(tool(Increase::None, Comparison::Satisfaction)),
            "equalshares/add1" => Ok(tool(Increase::WhileNextFits, Comparison::None)),
            "equalshares/add1-comparison" => {
                Ok(tool(Increase::WhileNextFits, Comparison::Satisfaction))
            }
            // Plaza's own label for DESIGN §2.5's `equal_shares` (the `equal-shares` alias),
            // written in the META of the budgets it exports so that `--rule meta` recounts them.
            "equal-shares" => Ok(OutcomeRule::Mes {
                satisfaction: Satisfaction::ByVoteType,
                increase: Increase::WhileNextFits,
                fill: Fill::Greedy,
            }),
            _ => Err(OutcomeError::MetaRuleNotComputable(value.to_string())),
        }
    }

    /// Replaces [`OutcomeRule::Meta`] by the file's rule and [`Satisfaction::ByVoteType`] by
    /// the satisfaction of the election's vote type, then checks that the rule reads this kind of
    /// ballot.
    pub fn resolve(&self, election: &Election) -> Result<OutcomeRule, OutcomeError> {
        let vote_type = election.vote_type;
        let rule = match *self {
            OutcomeRule::Meta => {
                // `from_meta` never answers `Meta`: this recursion goes one level deep.
                return OutcomeRule::from_meta(
                    election.meta_rule().ok_or(OutcomeError::NoMetaRule)?,
                )?
                .resolve(election);
            }
            OutcomeRule::Greedy { satisfaction } => OutcomeRule::Greedy {
                satisfaction: satisfaction.resolve(vote_type),
            },
            OutcomeRule::Mes {
                satisfaction,
                increase,
                fill,
            } => OutcomeRule::Mes {
                satisfaction: satisfaction.resolve(vote_type),
                increase,
                fill,
            },
            other => other,
        };
        rule.check_applies(vote_type)?;
        Ok(rule)
    }

    fn check_applies(&self, vote_type: VoteType) -> Result<(), OutcomeError> {
        let not_applicable = |reason| OutcomeError::NotApplicable {
            rule: self.name(vote_type),
            vote_type,
            reason,
        };
        let satisfaction = match self {
            OutcomeRule::Greedy { satisfaction } | OutcomeRule::Mes { satisfaction, .. } => {
                Some(*satisfaction)
            }
            _ => None,
        };
        if vote_type.is_approval()
            && matches!(
                satisfaction,
                Some(Satisfaction::Score | Satisfaction::ScoreTimesCost)
            )
        {
            return Err(not_applicable(
                "it reads points or rankings, and approval ballots have neither (use a *_cost_sat or *_cardinality_sat rule)",
            ));
        }
        if matches!(self, OutcomeRule::EqualShares { .. }) && !vote_type.is_approval() {
            return Err(not_applicable(
                "the equalshares.net rules read approval ballots (use a mes_* rule for points or rankings)",
            ));
        }
        Ok(())
    }

    /// The tie-breaking the rule's reference implementation uses: the project id for pabutools'
    /// rules, file order for the city rules, lower cost then more votes for the equalshares.net
    /// tool rules.
    pub fn default_tie_breaking(&self) -> TieBreaking {
        match self {
            OutcomeRule::Greedy { .. } | OutcomeRule::Mes { .. } => TieBreaking::ProjectId,
            OutcomeRule::City(_) | OutcomeRule::Meta => TieBreaking::FileOrder,
            OutcomeRule::EqualShares { .. } => TieBreaking::CostThenVotes,
        }
    }

    /// The canonical name of the rule for ballots of `vote_type` (the expected-file key where
    /// one exists: `mes_points` for cumulative files, `mes_score` for ordinal ones…).
    pub fn name(&self, vote_type: VoteType) -> String {
        let score = if vote_type == VoteType::Ordinal {
            "score"
        } else {
            "points"
        };
        match self {
            OutcomeRule::Meta => "meta".to_string(),
            OutcomeRule::City(CityRule::Greedy) => "greedy".to_string(),
            OutcomeRule::City(CityRule::Threshold) => "greedy-threshold".to_string(),
            OutcomeRule::City(CityRule::NoSkip) => "greedy-no-skip".to_string(),
            OutcomeRule::Greedy { satisfaction } => match satisfaction {
                Satisfaction::Cost if vote_type.is_approval() => "greedy_cost_sat".to_string(),
                Satisfaction::Cost => "greedy_votes_cost_sat".to_string(),
                Satisfaction::Cardinality => "greedy_cardinality_sat".to_string(),
                Satisfaction::Score => format!("greedy_{score}_per_cost"),
                Satisfaction::ScoreTimesCost => "greedy_score".to_string(),
                Satisfaction::ByVoteType => "greedy_by_vote_type".to_string(),
            },
            OutcomeRule::Mes {
                satisfaction,
                increase,
                fill,
            } => {
                let satisfaction = match satisfaction {
                    Satisfaction::Cost => "cost_sat",
                    Satisfaction::Cardinality => "cardinality_sat",
                    Satisfaction::Score => score,
                    Satisfaction::ScoreTimesCost => "score_times_cost",
                    Satisfaction::ByVoteType => "by_vote_type",
                };
                let increase = match increase {
                    Increase::None => "",
                    Increase::UntilExhaustive => "_add1",
                    Increase::WhileNextFits => "_budget_increase_no_exhaustive_stop",
                };
                let fill = if *fill == Fill::Greedy {
                    "_then_greedy"
                } else {
                    ""
                };
                format!("mes_{satisfaction}{increase}{fill}")
            }
            OutcomeRule::EqualShares {
                increase,
                fill,
                comparison,
            } => {
                let base = match (increase, fill) {
                    (Increase::None, Fill::None) => "esnet",
                    (Increase::None, Fill::Greedy) => "esnet_utilitarian",
                    (Increase::UntilExhaustive, Fill::None) => "esnet_add1",
                    (Increase::UntilExhaustive, Fill::Greedy) => "esnet_add1u",
                    (Increase::WhileNextFits, Fill::None) => "esnet_add1_no_exhaustive_stop",
                    (Increase::WhileNextFits, Fill::Greedy) => "esnet_add1u_no_exhaustive_stop",
                };
                let comparison = if *comparison == Comparison::Satisfaction {
                    "_comparison"
                } else {
                    ""
                };
                format!("{base}{comparison}")
            }
        }
    }

    /// One sentence saying what the rule does, for people reading a tally.
    pub fn describe(&self) -> &'static str {
        match self {
            OutcomeRule::Meta => "the rule named in the file's META",
            OutcomeRule::City(CityRule::Greedy) => {
                "projects by score, each funded if it still fits (the classic city rule)"
            }
            OutcomeRule::City(CityRule::Threshold) => {
                "projects by score from the META threshold up, each funded if it still fits"
            }
            OutcomeRule::City(CityRule::NoSkip) => {
                "projects by score, stopping at the first that does not fit"
            }
            OutcomeRule::Greedy { .. } => {
                "pabutools greedy: projects by total satisfaction per unit of cost, each funded if it still fits"
            }
            OutcomeRule::Mes {
                increase: Increase::None,
                ..
            } => "Method of Equal Shares with endowment budget/n",
            OutcomeRule::Mes { .. } => {
                "Method of Equal Shares, endowment raised one currency unit per voter at a time (pabutools)"
            }
            OutcomeRule::EqualShares { .. } => {
                "Method of Equal Shares as the equalshares.net compute tool runs it"
            }
        }
    }
}

impl FromStr for OutcomeRule {
    type Err = OutcomeError;

    /// Reads an expected-file key (`mes_cost_sat_add1`…), a META rule value
    /// (`equalshares/add1-comparison`…) or an alias (`meta`, `greedy`, `mes`, `mes-add1`,
    /// `equal-shares`); `-` and `_` are interchangeable and case does not matter.
    fn from_str(text: &str) -> Result<OutcomeRule, OutcomeError> {
        let normalized = text.trim().to_ascii_lowercase().replace('-', "_");
        let unknown = || OutcomeError::UnknownRule(text.trim().to_string());
        let mes = |satisfaction, increase, fill| OutcomeRule::Mes {
            satisfaction,
            increase,
            fill,
        };
        match normalized.as_str() {
            "meta" => return Ok(OutcomeRule::Meta),
            "greedy" => return Ok(OutcomeRule::City(CityRule::Greedy)),
            "greedy_threshold" => return Ok(OutcomeRule::City(CityRule::Threshold)),
            "greedy_no_skip" => return Ok(OutcomeRule::City(CityRule::NoSkip)),
            "mes" => return Ok(mes(Satisfaction::ByVoteType, Increase::None, Fill::None)),
            "mes_add1" => {
                return Ok(mes(
                    Satisfaction::ByVoteType,
                    Increase::UntilExhaustive,
                    Fill::None,
                ));
            }
            "equal_shares" => {
                return Ok(mes(
                    Satisfaction::ByVoteType,
                    Increase::WhileNextFits,
                    Fill::Greedy,
                ));
            }
            _ => {}
        }
        if normalized.starts_with("equalshares") {
            return OutcomeRule::from_meta(&text.trim().to_ascii_lowercase().replace('_', "-"))
                .map_err(|_| unknown());
        }
        if let Some(rest) = normalized.strip_prefix("greedy_") {
            let satisfaction = match rest {
                "cost_sat" | "votes_cost_sat" => Satisfaction::Cost,
                "cardinality_sat" => Satisfaction::Cardinality,
                "points_per_cost" | "score_per_cost" => Satisfaction::Score,
                "score" | "points" => Satisfaction::ScoreTimesCost,
                _ => return Err(unknown()),
            };
            return Ok(OutcomeRule::Greedy { satisfaction });
        }
        if let Some(rest) = normalized.strip_prefix("mes_") {
            let (rest, fill) = match rest.strip_suffix("_then_greedy") {
                Some(rest) => (rest, Fill::Greedy),
                None => (rest, Fill::None),
            };
            let (rest, increase) = if let Some(rest) = rest.strip_suffix("_add1") {
                (rest, Increase::UntilExhaustive)
            } else if let Some(rest) = rest.strip_suffix("_budget_increase_no_exhaustive_stop") {
                (rest, Increase::WhileNextFits)
            } else {
                (rest, Increase::None)
            };
            let satisfaction = match rest {
                "cost_sat" => Satisfaction::Cost,
                "cardinality_sat" => Satisfaction::Cardinality,
                "points" | "score" => Satisfaction::Score,
                "score_times_cost" | "points_times_cost" => Satisfaction::ScoreTimesCost,
                _ => return Err(unknown()),
            };
            return Ok(mes(satisfaction, increase, fill));
        }
        if let Some(rest) = normalized.strip_prefix("esnet") {
            let (rest, comparison) = match rest.strip_suffix("_comparison") {
                Some(rest) => (rest, Comparison::Satisfaction),
                None => (rest, Comparison::None),
            };
            let (increase, fill) = match rest {
                "" => (Increase::None, Fill::None),
                "_utilitarian" => (Increase::None, Fill::Greedy),
                "_add1" => (Increase::UntilExhaustive, Fill::None),
                "_add1u" => (Increase::UntilExhaustive, Fill::Greedy),
                "_add1_no_exhaustive_stop" => (Increase::WhileNextFits, Fill::None),
                "_add1u_no_exhaustive_stop" => (Increase::WhileNextFits, Fill::Greedy),
                _ => return Err(unknown()),
            };
            return Ok(OutcomeRule::EqualShares {
                increase,
                fill,
                comparison,
            });
        }
        Err(unknown())
    }
}

impl fmt::Display for OutcomeRule {
    /// The name for approval ballots; use [`OutcomeRule::name`] to name it for another vote type.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name(VoteType::Approval))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_expected_file_key_parses_and_prints_back() {
        for key in OutcomeRule::EXPECTED_FILE_KEYS {
            let rule: OutcomeRule = key.parse().unwrap();
            let vote_type = if key.contains("points")
                || key == "greedy_score"
                || key == "greedy_votes_cost_sat"
            {
                VoteType::Cumulative
            } else if key == "mes_score" {
                VoteType::Ordinal
            } else {
                VoteType::Approval
            };
            assert_eq!(rule.name(vote_type), key, "{key}");
        }
    }

    #[test]
    fn aliases_and_meta_values_parse() {
        assert_eq!("meta".parse::<OutcomeRule>().unwrap(), OutcomeRule::Meta);
        assert_eq!(
            "GREEDY".parse::<OutcomeRule>().unwrap(),
            OutcomeRule::City(CityRule::Greedy)
        );
        assert_eq!(
            "greedy-no-skip".parse::<OutcomeRule>().unwrap(),
            OutcomeRule::City(CityRule::NoSkip)
        );
        assert_eq!(
            "equalshares/add1-comparison"
                .parse::<OutcomeRule>()
                .unwrap(),
            "esnet_add1_no_exhaustive_stop_comparison"
                .parse::<OutcomeRule>()
                .unwrap()
        );
        assert_eq!(
            "equal-shares".parse::<OutcomeRule>().unwrap(),
            OutcomeRule::Mes {
                satisfaction: Satisfaction::ByVoteType,
                increase: Increase::WhileNextFits,
                fill: Fill::Greedy
            }
        );
        assert!(matches!(
            "mes_banana".parse::<OutcomeRule>(),
            Err(OutcomeError::UnknownRule(_))
        ));
        assert!(matches!(
            OutcomeRule::from_meta("greedy-custom"),
            Err(OutcomeError::MetaRuleNotComputable(_))
        ));
    }

    #[test]
    fn rules_refuse_ballots_they_cannot_read() {
        let points_rule: OutcomeRule = "mes_points".parse().unwrap();
        let error = points_rule.check_applies(VoteType::Approval).unwrap_err();
        assert!(error.to_string().contains("mes_points"), "{error}");
        assert!(points_rule.check_applies(VoteType::Cumulative).is_ok());
        let tool: OutcomeRule = "esnet_add1".parse().unwrap();
        assert!(tool.check_applies(VoteType::Ordinal).is_err());
        assert!(tool.check_applies(VoteType::Choose1).is_ok());
    }
}
