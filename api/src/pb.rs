//! `plaza pb tally`: computes a participatory-budget outcome straight from a Pabulib `.pb` file.
//!
//! The rules and the file format live in `plaza_domain::outcome` and `plaza_domain::pabulib`
//! (their module docs list every rule name and alias); this module only reads the file, calls
//! the domain and renders the [`Tally`] for a terminal, or as JSON.

use plaza_domain::outcome::{self, OutcomeRule, Tally, TallyOptions, TieBreaking};
use plaza_domain::pabulib;
use std::fmt::Write;
use std::path::Path;

/// What went wrong, as one message for the terminal.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TallyError(pub String);

/// Reads `path`, computes `rule` (a rule name, an alias or `meta`) with an optional tie-breaking
/// override, and returns the text to print: a table, or one JSON object with `json`. Parse
/// warnings (e.g. a project listed twice in one vote) go to `warnings`.
pub fn tally_file(
    path: &Path,
    rule: &str,
    tie_breaking: Option<&str>,
    json: bool,
    warnings: &mut Vec<String>,
) -> Result<String, TallyError> {
    let options = TallyOptions::default();
    tally_file_with(path, rule, tie_breaking, json, &options, warnings)
}

/// Threads a tally's MES runs use ([`TallyOptions::threads`]): the machine's cores, at most 4
/// (an add1 loop rarely gains from more: each thread computes one endowment ahead).
pub fn tally_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(4))
}

/// [`tally_file`] with other [`TallyOptions`] (the add1 increment, the cap on MES runs).
pub fn tally_file_with(
    path: &Path,
    rule: &str,
    tie_breaking: Option<&str>,
    json: bool,
    options: &TallyOptions,
    warnings: &mut Vec<String>,
) -> Result<String, TallyError> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| TallyError(format!("cannot read {shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        TallyError(format!(
            "{shown}: not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let parsed = pabulib::parse(&text).map_err(|e| TallyError(format!("{shown}: {e}")))?;
    warnings.extend(parsed.warnings.iter().map(|w| format!("{shown}: {w}")));
    if parsed.more_warnings > 0 {
        warnings.push(format!(
            "{shown}: {} more warnings not shown",
            parsed.more_warnings
        ));
    }
    let rule: OutcomeRule = rule.parse().map_err(|e| TallyError(format!("{e}")))?;
    let tie: Option<TieBreaking> = tie_breaking
        .map(str::parse)
        .transpose()
        .map_err(|e| TallyError(format!("{e}")))?;
    let tally = outcome::tally_with(&parsed.election, &rule, tie, options)
        .map_err(|e| TallyError(format!("{shown}: {e}")))?;
    if json {
        serde_json::to_string_pretty(&tally).map_err(|e| TallyError(e.to_string()))
    } else {
        Ok(render(&tally, &shown.to_string()))
    }
}

/// The tally as a table for a terminal.
pub fn render(tally: &Tally, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{file}: {} voters ({}), {} projects, budget {}",
        tally.voters,
        tally.vote_type.as_str(),
        tally.projects.len(),
        tally.budget
    );
    let _ = writeln!(out, "rule: {} ({})", tally.rule, tally.description);
    let _ = writeln!(out, "tie-breaking: {}", tally.tie_breaking.as_str());
    let _ = writeln!(
        out,
        "selected {} projects, total cost {} ({:.2}% of the budget)",
        tally.selected.len(),
        tally.total_cost,
        tally.budget_used_percent
    );
    let _ = writeln!(out, "selected (ids): {}", tally.selected.join(", "));
    if let Some(mes) = &tally.mes {
        let _ = writeln!(
            out,
            "equal shares: endowment {} → {} per voter ({} increments, {} runs, {} exact prices)",
            mes.initial_endowment.exact,
            mes.final_endowment.exact,
            mes.increments,
            mes.runs,
            mes.exact_prices
        );
    }
    if let Some(comparison) = &tally.comparison {
        let _ = writeln!(
            out,
            "comparison with greedy: {} voters prefer equal shares, {} prefer greedy; {} kept",
            comparison.prefer_equal_shares,
            comparison.prefer_greedy,
            if comparison.greedy_chosen {
                "greedy"
            } else {
                "equal shares"
            }
        );
    }
    let id_width = tally
        .projects
        .iter()
        .map(|p| p.id.len())
        .max()
        .unwrap_or(2)
        .max(7);
    let _ = writeln!(
        out,
        "\n{:>4}  {:<id_width$}  {:>12}  {:>8}  {:>10}  name",
        "#", "project", "cost", "votes", "score"
    );
    let mut rows: Vec<_> = tally.projects.iter().collect();
    rows.sort_by_key(|p| p.position.unwrap_or(usize::MAX));
    for project in rows {
        let position = project
            .position
            .map_or_else(|| "-".to_string(), |p| p.to_string());
        let _ = writeln!(
            out,
            "{position:>4}  {:<id_width$}  {:>12}  {:>8}  {:>10}  {}",
            project.id,
            project.cost.to_string(),
            project.votes,
            project.score.to_string(),
            project.name.as_deref().unwrap_or("")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("plaza-pb-{}.pb", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, text).unwrap();
        path
    }

    const SMALL: &str = "META\nkey;value\nbudget;100\nvote_type;approval\nrule;greedy\nnum_projects;3\nnum_votes;3\n\
                         PROJECTS\nproject_id;cost;name\na;60;Plaça\nb;50;Bancs\nc;40;Arbres\nVOTES\nvoter_id;vote\n1;a,b\n2;a\n3;b,c\n";

    #[test]
    fn a_tally_lists_the_funded_projects_in_order() {
        let path = file(SMALL);
        let text = tally_file(&path, "meta", None, false, &mut Vec::new()).unwrap();
        assert!(text.contains("rule: greedy"), "{text}");
        assert!(
            text.contains("selected 2 projects, total cost 100 (100.00% of the budget)"),
            "{text}"
        );
        assert!(text.contains("selected (ids): a, c"), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&tally_file(&path, "meta", None, true, &mut Vec::new()).unwrap())
                .unwrap();
        assert_eq!(json["selection_order"], serde_json::json!(["a", "c"]));
        assert_eq!(json["rule"], "greedy");
    }

    #[test]
    fn a_broken_file_names_its_line_and_a_wrong_rule_names_itself() {
        let broken = file(&SMALL.replace("b;50;Bancs", "b;fifty;Bancs"));
        let error = tally_file(&broken, "greedy", None, false, &mut Vec::new()).unwrap_err();
        assert!(error.0.contains("line 11"), "{error}");
        let path = file(SMALL);
        let error = tally_file(&path, "mes_points", None, false, &mut Vec::new()).unwrap_err();
        assert!(error.0.contains("mes_points"), "{error}");
        let error = tally_file(&path, "no-such-rule", None, false, &mut Vec::new()).unwrap_err();
        assert!(error.0.contains("no-such-rule"), "{error}");
    }
}
