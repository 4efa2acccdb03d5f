//! Plots and the HTML report: turns a run (and a comparison, if any) into
//! charts people look at, apart from model, engine and data files.
//!
//! Every chart is written as PNG (slides) and SVG (documents) under
//! `plots/`, and inlined into one self-contained `report.html`. The font is
//! embedded in the binary, so neither the build nor a run needs system fonts.

pub mod charts;
pub mod html;

use std::path::Path;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::compare::Comparison;
use crate::error::{Error, Result};
use crate::experiment::{RunResult, ScenarioRun};
use crate::metrics::{Metric, Series};
use crate::stats::five;
use charts::Chart;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn init_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid; registering it cannot fail.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// One chart with its file stem and the sentences that tell how to read it.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem under `plots/`.
    pub stem: String,
    /// The chart.
    pub chart: Chart,
    /// How to read it.
    pub caption: String,
}

fn mean(run: &ScenarioRun, metric: Metric) -> f64 {
    run.summary(metric).mean
}

fn fan(result: &RunResult, series: Series, title: &str, y_label: &str) -> Chart {
    let base = &result.scenarios[0];
    Chart::Fan {
        title: title.into(),
        y_label: y_label.into(),
        panels: result
            .scenarios
            .iter()
            .map(|r| (r.scenario.name.clone(), r.bands(series)))
            .collect(),
        reference: (result.scenarios.len() > 1).then(|| {
            (
                format!("{} median", base.scenario.name),
                base.bands(series).iter().map(|b| b[2]).collect(),
            )
        }),
        zero_line: false,
    }
}

/// The figures of a run, in report order.
pub fn run_figures(result: &RunResult) -> Vec<Figure> {
    let base = &result.scenarios[0];
    let bname = &base.scenario.name;
    let mut figs = vec![
        Figure {
            stem: "fan_active_customers".into(),
            chart: fan(result, Series::ActiveCustomers, "Active customers over time", "customers"),
            caption: format!(
                "One panel per scenario: the line is the median over replications, the dark band holds the middle 50% and the light band 90% of replications. The dashed grey line repeats the {bname} median in every panel for comparison."
            ),
        },
        Figure {
            stem: "fan_satisfaction".into(),
            chart: fan(result, Series::Satisfaction, "Mean satisfaction over time", "latent satisfaction (1-5)"),
            caption: "Mean latent satisfaction of active customers (1-5 scale). Bands show how much it varies with the uncertain parameters and chance; a flat line means the chain is in equilibrium.".into(),
        },
        Figure {
            stem: "fan_cumulative_profit".into(),
            chart: fan(result, Series::CumulativeProfit, "Cumulative profit", "EUR"),
            caption: "Cumulative (undiscounted) profit. Investments that pay show the J-curve: below the dashed baseline first, above it later.".into(),
        },
        Figure {
            stem: "npv_distribution".into(),
            chart: Chart::Boxes {
                title: "NPV over the horizon, by scenario".into(),
                x_label: "NPV (EUR)".into(),
                rows: result.scenarios.iter().map(|r| (r.scenario.name.clone(), five(r.metric(Metric::Npv)).1, mean(r, Metric::Npv))).collect(),
                zero_line: false,
            },
            caption: "Each box shows the spread of NPV across replications. Overlapping boxes do not mean the difference is uncertain: scenarios share their random shocks, so `spc compare` measures the paired difference far more precisely.".into(),
        },
        Figure {
            stem: "churn_by_score".into(),
            chart: Chart::ChurnByScore {
                title: format!("Annual churn by last reported score ({bname})"),
                rates: std::array::from_fn(|k| {
                    let s = base.summary(Metric::churn_rate_score(k + 1));
                    (s.mean, s.p5, s.p95)
                }),
            },
            caption: "How often customers leave within a year, by the score they last gave in the survey (whiskers: 90% of replications). Customers who said 4 leave several times as often as those who said 5: satisfaction without commitment does not hold them.".into(),
        },
        Figure {
            stem: "quality_response".into(),
            chart: Chart::Response {
                title: format!("How satisfaction responds to delivered quality ({bname})"),
                points: base.replications.first().map(|r| r.response_sample.clone()).unwrap_or_default(),
            },
            caption: "Each dot is a simulated encounter, placed by its quality relative to that customer's own zone of tolerance (0 = adequate level, 1 = desired level); the red line is the mean. Inside the grey zone the line is nearly flat: better quality there barely moves satisfaction. Below the adequate level it falls steeply; above the desired level it rises.".into(),
        },
        Figure {
            stem: "churners_by_score".into(),
            chart: Chart::Stacked {
                title: "Who leaves: churners by their last reported score".into(),
                rows: result
                    .scenarios
                    .iter()
                    .map(|r| (r.scenario.name.clone(), std::array::from_fn(|k| mean(r, Metric::churner_share_score(k + 1)))))
                    .collect(),
            },
            caption: "Share of departing customers (with a survey answer) by the last score they gave. The blue part, 4s and 5s, is the satisfied majority of defectors.".into(),
        },
    ];
    if result.scenarios.len() > 1 {
        let delta = |r: &ScenarioRun, m: Metric| mean(r, m) - mean(base, m);
        figs.push(Figure {
            stem: "chain_vs_baseline".into(),
            chart: Chart::Panels {
                title: format!("The chain, scenario minus {bname}"),
                measures: vec![
                    "delivered quality (0-10 points)".into(),
                    "satisfaction (score points)".into(),
                    "annual retention (% points)".into(),
                    "NPV (EUR)".into(),
                ],
                rows: result.scenarios[1..]
                    .iter()
                    .map(|r| {
                        (
                            r.scenario.name.clone(),
                            vec![
                                delta(r, Metric::MeanDeliveredQuality),
                                delta(r, Metric::MeanSatisfaction),
                                100.0 * delta(r, Metric::AnnualRetention),
                                delta(r, Metric::Npv),
                            ],
                        )
                    })
                    .collect(),
                first_colour: 1,
            },
            caption: format!(
                "Follow each scenario along the chain, as the difference of its mean from the {bname}: quality delivered, satisfaction reported, customers kept, value created. A long first bar with short later ones means the chain is broken somewhere in between (for example inside the indifference zone)."
            ),
        });
    }
    figs
}

/// The figures of a comparison: the J-curve and the NPV difference.
pub fn comparison_figures(c: &Comparison) -> Vec<Figure> {
    vec![
        Figure {
            stem: "compare_cumulative_profit".into(),
            chart: Chart::Fan {
                title: format!("Cumulative profit, alternative minus {}", c.baseline),
                y_label: "EUR".into(),
                panels: c.comparisons.iter().map(|a| (a.scenario.clone(), a.cumulative_profit_bands.clone())).collect(),
                reference: None,
                zero_line: true,
            },
            caption: "The paired difference in cumulative profit, month by month (line: median; bands: 50% and 90% of replications). An investment dips below zero while it costs and climbs above when it pays back: the J-curve. Where the median crosses zero for good is the payback month.".into(),
        },
        Figure {
            stem: "compare_npv_difference".into(),
            chart: Chart::Boxes {
                title: format!("NPV difference against {}", c.baseline),
                x_label: "NPV of alternative minus baseline (EUR)".into(),
                rows: c
                    .comparisons
                    .iter()
                    .map(|a| {
                        let (m, q) = five(a.npv_differences.iter().copied());
                        (a.scenario.clone(), q, m)
                    })
                    .collect(),
                zero_line: true,
            },
            caption: "Distribution over replications of the paired NPV difference. A box wholly right of zero: the alternative beats the baseline whatever the uncertain parameters turned out to be.".into(),
        },
    ]
}

fn plot_err(path: &Path, e: String) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    }
}

/// Renders `fig` as `dir/STEM.png` and `dir/STEM.svg`; returns the SVG text.
pub fn render(fig: &Figure, dir: &Path) -> Result<String> {
    init_fonts();
    let size = fig.chart.size();
    let png = dir.join(format!("{}.png", fig.stem));
    fig.chart
        .draw(&BitMapBackend::new(&png, size).into_drawing_area())
        .map_err(|e| plot_err(&png, e))?;
    let svg_path = dir.join(format!("{}.svg", fig.stem));
    let mut svg = String::new();
    fig.chart
        .draw(&SVGBackend::with_string(&mut svg, size).into_drawing_area())
        .map_err(|e| plot_err(&svg_path, e))?;
    std::fs::write(&svg_path, &svg).map_err(|source| Error::Write {
        path: svg_path.clone(),
        source,
    })?;
    Ok(svg)
}

/// Writes `plots/` and `report.html` into `dir` for a run and an optional comparison.
pub fn write(result: &RunResult, comparison: Option<&Comparison>, dir: &Path) -> Result<()> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|source| Error::Write {
        path: plots.clone(),
        source,
    })?;
    let mut figs = run_figures(result);
    if let Some(c) = comparison {
        figs.extend(comparison_figures(c));
    }
    let rendered: Vec<(Figure, String)> = figs
        .into_iter()
        .map(|f| render(&f, &plots).map(|svg| (f, svg)))
        .collect::<Result<_>>()?;
    let page = html::page(result, comparison, &rendered);
    let path = dir.join("report.html");
    std::fs::write(&path, page).map_err(|source| Error::Write { path, source })
}
