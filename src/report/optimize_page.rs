//! Charts and report page of `spc optimize`: the objective over the search, slices
//! of the response through the chosen levers, and NPV against its 10th percentile
//! for the finalists. They are [`AnalysisChart`]s, drawn like every analysis chart.

use std::path::Path;

use super::analysis_charts::{AnalysisChart, AnalysisFigure, write_page};
use super::html::escape;
use crate::analysis::optimize::{Objective, Optimization, Stage};
use crate::error::Result;
use crate::output::format::{Unit, value};

/// "training 4000, staff 42": each lever's name, `sep` and its value.
fn levers_text(o: &Optimization, values: &[f64], sep: &str) -> String {
    o.knobs
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{}{sep}{}", k.name, value(Unit::Plain, *v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plots and report page of an optimisation.
pub fn write(o: &Optimization, dir: &Path) -> Result<()> {
    // Money is charted in MEUR, as in every chart of the project.
    let (scale, label) = match o.settings.objective {
        Objective::PBetter => (1.0, o.settings.objective.label().to_string()),
        _ => (1e-6, o.settings.objective.label().replace("(EUR)", "(MEUR)")),
    };
    let label = label.as_str();
    let mut best = f64::NEG_INFINITY;
    let mut each = Vec::new();
    let mut so_far = Vec::new();
    for (i, e) in o
        .evaluations
        .iter()
        .enumerate()
        .filter(|(_, e)| e.stage != Stage::Slice)
    {
        best = best.max(scale * e.objective);
        each.push((i as f64, scale * e.objective));
        so_far.push((i as f64, best));
    }
    let mut figures = vec![AnalysisFigure {
        stem: "optimize_search".into(),
        chart: AnalysisChart::Scatter {
            title: format!("The search: {label} of each candidate"),
            labels: ["candidate (in the order evaluated)".into(), label.into()],
            series: vec![("each candidate".into(), each), ("best so far".into(), so_far)],
            lines: false,
        },
        caption: format!(
            "Every candidate on the same {} search replications (common random numbers): the start (the scenario as it stands and Sobol' points), then the pattern search's polls.",
            o.run.replications
        ),
    }];
    if !o.slices.is_empty() {
        figures.push(AnalysisFigure {
            stem: "optimize_slices".into(),
            chart: AnalysisChart::Effects {
                title: format!("{label} through the chosen levers, one lever at a time"),
                y_label: label.into(),
                panels: o
                    .knobs
                    .iter()
                    .zip(&o.slices)
                    .map(|(k, pts)| {
                        let mut pts: Vec<[f64; 4]> =
                            pts.iter().map(|(x, s)| [*x, scale * s.mean, scale * s.ci95[0], scale * s.ci95[1]]).collect();
                        pts.sort_by(|a, b| a[0].total_cmp(&b[0]));
                        (format!("levers.{}", k.name), pts)
                    })
                    .collect(),
            },
            caption: "Each lever moved alone, the others at the chosen values, on the search replications, with 95% intervals; points above the budget are left out.".into(),
        });
    }
    let series = o
        .finalists
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let name = levers_text(o, &f.levers, " ");
            let mark = if j == o.chosen { " (chosen)" } else { "" };
            (format!("{name}{mark}"), vec![(1e-6 * f.p10_npv, 1e-6 * f.npv.mean)])
        })
        .collect();
    figures.push(AnalysisFigure {
        stem: "optimize_finalists".into(),
        chart: AnalysisChart::Scatter {
            title: "Finalists: mean NPV against the 10th percentile (fresh replications)".into(),
            labels: ["10th percentile of NPV (MEUR)".into(), "mean NPV (MEUR)".into()],
            series,
            lines: false,
        },
        caption: "Up and right is better on both; a finalist far left of another with a similar mean carries more downside risk.".into(),
    });
    let b = o.best();
    let levers = levers_text(o, &b.levers, " = ");
    let budget = o.settings.budget.map_or(String::new(), |x| {
        format!(
            " under a budget of {} per year (spends {})",
            value(Unit::Eur, x),
            value(Unit::Eur, b.annual_spend)
        )
    });
    let intro = format!(
        "<p class=\"note\">Scenario {}: best levers {}{}; {} {} (95% interval {} to {}); NPV {} against the scenario as it stands (95% interval {} to {}). {}. {} candidates, {} replications simulated. Data: optimization.json.</p>",
        escape(&o.scenario.0),
        escape(&levers),
        escape(&budget),
        escape(o.settings.objective.name()),
        value(Unit::Plain, b.objective.mean),
        value(Unit::Plain, b.objective.ci95[0]),
        value(Unit::Plain, b.objective.ci95[1]),
        value(Unit::Eur, b.delta_npv.mean),
        value(Unit::Eur, b.delta_npv.ci95[0]),
        value(Unit::Eur, b.delta_npv.ci95[1]),
        escape(&o.statement()),
        o.evaluations.len(),
        o.simulated
    );
    write_page(dir, "Optimization", &intro, &figures)
}
