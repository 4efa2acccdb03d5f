//! Plots and the HTML report: turns a run (and a comparison, if any) into
//! charts people look at, apart from model, engine and data files.
//!
//! Every chart is written as PNG (slides) and SVG (documents) under
//! `plots/`, and inlined into one self-contained `report.html`. A chart's title
//! states what it shows when the numbers allow ("training pays back in month 57"),
//! its caption how to read it. A scenario keeps one label and one colour (its
//! position in the run, see [`charts::colour`]) in every chart and table. The
//! font is embedded in the binary for PNGs, and a subset of it in every SVG and
//! in the report, so neither the build nor a reader needs system fonts.

pub mod analysis_charts;
pub mod charts;
pub mod html;
pub mod optimize_page;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::compare::{self, Comparison};
use crate::error::{Error, Result};
use crate::experiment::{RunResult, ScenarioRun};
use crate::metrics::{Metric, Series};
use crate::output::format::{self, Unit};
use crate::stats::{Summary, five};
use charts::{BoxRow, Chart, Key, Panel};

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The characters charts and reports use, cut from the same font (WOFF; see `assets/fonts/README.md`).
static FONT_SUBSET: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.woff");

fn init_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid; registering it cannot fail.
        let _ = register_font(charts::FONT, FontStyle::Normal, FONT);
    });
}

/// Standard base64 of `bytes` (RFC 4648, with padding), for data URLs.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The CSS rule that makes the embedded font available to SVG text and HTML.
pub fn font_face() -> String {
    format!(
        "@font-face{{font-family:'{}';src:url(data:font/woff;base64,{}) format('woff')}}",
        charts::FONT,
        base64(FONT_SUBSET)
    )
}

/// Where a figure belongs in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Customers and satisfaction over time.
    Customers,
    /// Why customers stay or leave.
    Churn,
    /// Profit and NPV.
    Money,
    /// Alternatives against the baseline.
    Comparison,
}

impl Section {
    /// The section's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Section::Customers => "Customers and satisfaction",
            Section::Churn => "Why customers stay or leave",
            Section::Money => "Profit and value",
            Section::Comparison => "Alternatives against the baseline",
        }
    }
}

/// One chart with its file stem and the sentences that tell how to read it.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem under `plots/`.
    pub stem: String,
    /// The report section it belongs to.
    pub section: Section,
    /// The chart.
    pub chart: Chart,
    /// How to read it.
    pub caption: String,
}

fn mean(run: &ScenarioRun, metric: Metric) -> f64 {
    run.summary(metric).mean
}

/// Per replication, the scenario's metric minus the baseline's (paired by replication).
fn paired<'a>(base: &'a ScenarioRun, run: &'a ScenarioRun, metric: Metric) -> impl Iterator<Item = f64> + 'a {
    run.metric(metric).zip(base.metric(metric)).map(|(a, b)| a - b)
}

/// The chart key of every scenario of a run: its label and its position.
pub fn keys(result: &RunResult) -> Vec<Key> {
    result
        .scenarios
        .iter()
        .enumerate()
        .map(|(index, r)| Key {
            label: r.scenario.label(),
            index,
        })
        .collect()
}

/// The index and value of the largest finite value.
fn best(values: impl Iterator<Item = f64>) -> Option<(usize, f64)> {
    values
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

fn last_median(run: &ScenarioRun, series: Series) -> f64 {
    run.bands(series).last().map_or(f64::NAN, |b| b[2])
}

fn fan(result: &RunResult, k: Series, title: String, y_label: &str, unit: Unit) -> Chart {
    let base = &result.scenarios[0];
    Chart::Fan {
        title,
        y_label: y_label.into(),
        unit,
        panels: result
            .scenarios
            .iter()
            .zip(keys(result))
            .map(|(r, key)| Panel {
                key,
                bands: r.bands(k),
                mark: None,
            })
            .collect(),
        reference: (result.scenarios.len() > 1).then(|| {
            (
                format!("{} median", base.scenario.label()),
                base.bands(k).iter().map(|b| b[2]).collect(),
            )
        }),
        zero_line: false,
    }
}

/// "best ends with X against Y for the baseline": the scenario ending highest on series `k`.
fn fan_title(result: &RunResult, k: Series, what: &str, unit: Unit) -> String {
    let keys = keys(result);
    let base = &result.scenarios[0];
    let months = base.scenario.months;
    let ends = result.scenarios.iter().map(|r| last_median(r, k));
    match best(ends) {
        Some((0, v)) if result.scenarios.len() > 1 => format!(
            "No alternative ends with more {what} than {}: {} in month {months}",
            keys[0].label,
            format::value(unit, v)
        ),
        Some((i, v)) if result.scenarios.len() > 1 => format!(
            "{} ends with the most {what}: {} against {} for {} in month {months}",
            keys[i].label,
            format::value(unit, v),
            format::value(unit, last_median(base, k)),
            keys[0].label
        ),
        Some((_, v)) => format!(
            "{}: {what} end at {} in month {months} (median)",
            keys[0].label,
            format::value(unit, v)
        ),
        None => format!("{} over time", what),
    }
}

/// Least-squares slope of the response on the position, over positions in `range`.
fn slope(points: &[[f32; 2]], range: std::ops::Range<f64>) -> f64 {
    let inside: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (f64::from(p[0]), f64::from(p[1])))
        .filter(|(x, y)| range.contains(x) && y.is_finite())
        .collect();
    let n = inside.len() as f64;
    let (mx, my) = inside.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
    let (sxy, sxx) = inside.iter().fold((0.0, 0.0), |a, p| {
        (a.0 + (p.0 - mx) * (p.1 - my), a.1 + (p.0 - mx).powi(2))
    });
    if inside.len() < 10 || sxx <= 0.0 {
        f64::NAN
    } else {
        sxy / sxx
    }
}

/// The chain measures of the report: (metric, panel title, unit).
const CHAIN: [(Metric, &str, Unit); 6] = [
    (Metric::MeanDeliveredQuality, "delivered quality (0-10)", Unit::Plain),
    (Metric::MeanSatisfaction, "reported score (1-5)", Unit::Plain),
    (Metric::TopBoxShare, "top-box share", Unit::Share),
    (Metric::AnnualRetention, "annual retention", Unit::Share),
    (Metric::FinalCustomers, "customers at the horizon", Unit::Count),
    (Metric::Npv, "NPV", Unit::Eur),
];

/// The figures of a run, in report order.
pub fn run_figures(result: &RunResult) -> Vec<Figure> {
    let base = &result.scenarios[0];
    let keys = keys(result);
    let multi = result.scenarios.len() > 1;
    let comparison = multi.then(|| compare::compare(result));
    let mut figs = customer_fans(result, &keys[0].label);
    figs.push(cumulative_profit(result, comparison.as_ref(), &keys));
    figs.push(npv_distribution(result, comparison.as_ref(), &keys));
    figs.push(churn_by_score(base, &keys[0].label));
    figs.push(quality_response(base, &keys[0].label));
    figs.push(churners_by_score(result, &keys));
    if multi {
        figs.push(chain_vs_baseline(result, &keys));
    }
    figs
}

/// The fan charts of active customers and latent satisfaction.
fn customer_fans(result: &RunResult, blabel: &str) -> Vec<Figure> {
    let multi = result.scenarios.len() > 1;
    vec![
        Figure {
            stem: "fan_active_customers".into(),
            section: Section::Customers,
            chart: fan(result, Series::ActiveCustomers, fan_title(result, Series::ActiveCustomers, "customers", Unit::Count), "customers", Unit::Count),
            caption: format!(
                "Active customers month by month, one panel per scenario: the line is the median over replications, the dark band holds the middle 50% and the light band 90% of replications.{}",
                if multi { format!(" The dashed grey line repeats the {blabel} median in every panel.") } else { String::new() }
            ),
        },
        Figure {
            stem: "fan_satisfaction".into(),
            section: Section::Customers,
            chart: fan(
                result,
                Series::Satisfaction,
                fan_title(result, Series::Satisfaction, "latent satisfaction", Unit::Plain),
                "latent satisfaction (1-5)",
                Unit::Plain,
            ),
            caption: "Latent satisfaction: the mean of what active customers feel (1-5), before survey noise and rounding. The tables report the survey score instead (the mean answer of surveyed customers), which sits a little apart from it. Bands show how much it varies with the uncertain parameters and chance; a flat line means the chain is in equilibrium.".into(),
        },
    ]
}

/// Cumulative profit: a fan for one scenario, the median lead over the first otherwise.
fn cumulative_profit(result: &RunResult, comparison: Option<&Comparison>, keys: &[Key]) -> Figure {
    let base = &result.scenarios[0];
    let blabel = &keys[0].label;
    match comparison {
        None => Figure {
            stem: "fan_cumulative_profit".into(),
            section: Section::Money,
            chart: fan(
                result,
                Series::CumulativeProfit,
                format!(
                    "{blabel}: cumulative profit reaches {} by month {} (median)",
                    format::value(Unit::Eur, last_median(base, Series::CumulativeProfit)),
                    base.scenario.months
                ),
                "cumulative profit",
                Unit::Eur,
            ),
            caption: "Cumulative (undiscounted) profit: median, middle 50% and 90% of replications.".into(),
        },
        Some(c) => {
            let series: Vec<(Key, Vec<f64>, Option<u32>)> = c
                .comparisons
                .iter()
                .zip(&keys[1..])
                .map(|(a, key)| {
                    (
                        key.clone(),
                        a.cumulative_profit_bands.iter().map(|b| b[2]).collect(),
                        a.payback_month.filter(|m| *m > 1),
                    )
                })
                .collect();
            let ends: Vec<f64> = series.iter().map(|s| s.1.last().copied().unwrap_or(f64::NAN)).collect();
            let top = best(ends.iter().copied());
            let bottom = best(ends.iter().map(|v| -v));
            let title = match (top, bottom) {
                (Some((i, v)), Some((j, w))) if v > 0.0 && w > 0.0 => format!(
                    "{} ends {} ahead of {blabel}, {} {} behind",
                    keys[i + 1].label,
                    format::value(Unit::Eur, v),
                    keys[j + 1].label,
                    format::value(Unit::Eur, w)
                ),
                (Some((i, v)), _) if v > 0.0 => {
                    format!(
                        "{} ends {} ahead of {blabel}",
                        keys[i + 1].label,
                        format::value(Unit::Eur, v)
                    )
                }
                (Some((i, v)), _) => format!(
                    "No alternative ends ahead of {blabel}; {} is closest, {} behind",
                    keys[i + 1].label,
                    format::value(Unit::Eur, -v)
                ),
                _ => format!("Cumulative profit against {blabel}"),
            };
            Figure {
                stem: "fan_cumulative_profit".into(),
                section: Section::Money,
                chart: Chart::Lines {
                    title,
                    y_label: format!("cumulative profit minus {blabel}'s"),
                    unit: Unit::Eur,
                    series,
                },
                caption: format!(
                    "Each scenario's cumulative (undiscounted) profit minus {blabel}'s in the same replication, median over replications. An investment dips below zero while it costs and climbs above when it pays; the dot marks the payback month, from which the line stays above zero. `spc compare` shows the spread around each line."
                ),
            }
        }
    }
}

/// The spread of NPV by scenario, with the chance of beating the first.
fn npv_distribution(result: &RunResult, comparison: Option<&Comparison>, keys: &[Key]) -> Figure {
    let base = &result.scenarios[0];
    let blabel = &keys[0].label;
    let multi = result.scenarios.len() > 1;
    Figure {
        stem: "npv_distribution".into(),
        section: Section::Money,
        chart: Chart::Boxes {
            title: match best(result.scenarios.iter().map(|r| mean(r, Metric::Npv))) {
                Some((i, v)) if multi => format!(
                    "{} has the highest mean NPV: {}",
                    keys[i].label,
                    format::value(Unit::Eur, v)
                ),
                _ => {
                    let s = base.summary(Metric::Npv);
                    format!(
                        "{blabel}: NPV {} on average, 90% of replications between {} and {}",
                        format::value(Unit::Eur, s.mean),
                        format::value(Unit::Eur, s.p5),
                        format::value(Unit::Eur, s.p95)
                    )
                }
            },
            x_label: "NPV over the horizon".into(),
            unit: Unit::Eur,
            rows: result
                .scenarios
                .iter()
                .zip(keys)
                .enumerate()
                .map(|(i, (r, key))| BoxRow {
                    key: key.clone(),
                    bands: five(r.metric(Metric::Npv)).1,
                    mean: mean(r, Metric::Npv),
                    note: comparison.and_then(|c| {
                        i.checked_sub(1)
                            .map(|j| format!("P(better) {:.0}%", 100.0 * c.comparisons[j].p_better))
                    }),
                })
                .collect(),
            zero_line: false,
        },
        caption: format!(
            "Each box shows the spread of NPV across replications. P(better): the share of replications in which the scenario's NPV beats {blabel}'s. Overlapping boxes do not mean the difference is uncertain: scenarios share their random shocks, so the paired difference (`spc compare`) is known far more precisely than the boxes suggest."
        ),
    }
}

/// Annual churn by last reported score (fact F3).
fn churn_by_score(base: &ScenarioRun, blabel: &str) -> Figure {
    let ratio = mean(base, Metric::ChurnRateScore4) / mean(base, Metric::ChurnRateScore5);
    Figure {
        stem: "churn_by_score".into(),
        section: Section::Churn,
        chart: Chart::ChurnByScore {
            title: if ratio.is_finite() {
                format!("{blabel}: customers who last said 4 leave {ratio:.1}x as often as those who said 5")
            } else {
                format!("{blabel}: annual churn by last reported score")
            },
            rates: std::array::from_fn(|k| {
                let s = base.summary(Metric::churn_rate_score(k + 1));
                (s.mean, s.p5, s.p95)
            }),
        },
        caption: "How often customers leave within a year, by the score they last gave in the survey. Customers who said 4 are satisfied, not committed: they leave several times as often as those who said 5. Few customers ever say 1, so its interval is wide.".into(),
    }
}

/// The sampled encounters' response to quality against the zone (fact F1).
fn quality_response(base: &ScenarioRun, blabel: &str) -> Figure {
    let points = base
        .replications
        .first()
        .map(|r| r.response_sample.clone())
        .unwrap_or_default();
    let (inside, below) = (slope(&points, 0.05..0.95), slope(&points, -1.0..0.0));
    Figure {
        stem: "quality_response".into(),
        section: Section::Churn,
        chart: Chart::Response {
            title: if inside.is_finite() && below.is_finite() {
                format!(
                    "Inside the zone of tolerance quality barely moves satisfaction: slope {inside:.2} there, {below:.2} below it"
                )
            } else {
                format!("How satisfaction responds to delivered quality ({blabel})")
            },
            points,
        },
        caption: format!(
            "Encounters sampled from one replication of {blabel}, placed by their quality relative to that customer's own zone of tolerance (0 = adequate level, 1 = desired level); the red line is the mean response. Slopes are satisfaction points per zone width. Inside the grey zone the line is nearly flat: better quality there barely moves satisfaction. Below the adequate level it falls steeply; above the desired level it rises."
        ),
    }
}

/// Churners by their last reported score (fact F2).
fn churners_by_score(result: &RunResult, keys: &[Key]) -> Figure {
    let multi = result.scenarios.len() > 1;
    let satisfied: Vec<f64> = result
        .scenarios
        .iter()
        .map(|r| mean(r, Metric::SatisfiedChurnerShare))
        .collect();
    let (lo, hi) = satisfied
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    Figure {
        stem: "churners_by_score".into(),
        section: Section::Churn,
        chart: Chart::Stacked {
            title: if !lo.is_finite() {
                "Who leaves: churners by their last reported score".into()
            } else if multi {
                format!(
                    "In every scenario {:.0}-{:.0}% of churners had last said they were satisfied (4 or 5)",
                    100.0 * lo,
                    100.0 * hi
                )
            } else {
                format!("{} of churners had last said they were satisfied (4 or 5)", format::value(Unit::Share, lo))
            },
            rows: result
                .scenarios
                .iter()
                .zip(keys)
                .map(|(r, key)| (key.clone(), std::array::from_fn(|k| mean(r, Metric::churner_share_score(k + 1)))))
                .collect(),
        },
        caption: "Share of departing customers (with a survey answer) by the last score they gave, mean over replications. The blue part, 4s and 5s, is the satisfied majority of defectors; its total is written right of each bar.".into(),
    }
}

/// Each alternative along the chain, minus the first scenario.
fn chain_vs_baseline(result: &RunResult, keys: &[Key]) -> Figure {
    let base = &result.scenarios[0];
    let blabel = &keys[0].label;
    let rows: Vec<(Key, Vec<charts::Interval>)> = result.scenarios[1..]
        .iter()
        .zip(&keys[1..])
        .map(|(r, key)| {
            let values = CHAIN
                .iter()
                .map(|(m, _, _)| {
                    let s = Summary::of(paired(base, r, *m));
                    [s.mean, s.ci95[0], s.ci95[1]]
                })
                .collect();
            (key.clone(), values)
        })
        .collect();
    let npv = CHAIN.len() - 1;
    let retention = 3;
    let title = match best(rows.iter().map(|r| r.1[npv][0])) {
        Some((i, _)) => format!(
            "{} gains most: {} NPV, {} retention, {} reported score",
            rows[i].0.label,
            format::delta(Unit::Eur, rows[i].1[npv][0]),
            format::delta(Unit::Share, rows[i].1[retention][0]),
            format::delta(Unit::Plain, rows[i].1[1][0]),
        ),
        None => format!("The chain, scenario minus {blabel}"),
    };
    Figure {
        stem: "chain_vs_baseline".into(),
        section: Section::Comparison,
        chart: Chart::Panels {
            title,
            measures: CHAIN.iter().map(|(_, t, u)| (t.to_string(), *u)).collect(),
            rows,
        },
        caption: format!(
            "Follow each scenario along the chain, as its mean difference from {blabel} in the same replications (black whiskers: 95% interval of that mean): quality delivered, score reported, top box, customers kept, value created. A long first bar with short later ones means the chain is broken somewhere in between (for example inside the indifference zone)."
        ),
    }
}

/// The figures of a comparison: the J-curve and the NPV difference.
pub fn comparison_figures(result: &RunResult, c: &Comparison) -> Vec<Figure> {
    let keys = keys(result);
    let blabel = keys[0].label.clone();
    let alts: Vec<(&compare::AltComparison, &Key)> = c.comparisons.iter().zip(&keys[1..]).collect();
    let months = c.comparisons.first().map_or(0, |a| a.cumulative_profit_bands.len());
    let paying: Vec<(u32, &Key)> = alts
        .iter()
        .filter_map(|(a, k)| a.payback_month.map(|m| (m, *k)))
        .collect();
    let first = paying.iter().min_by_key(|p| p.0);
    let jtitle = match (alts.as_slice(), first) {
        ([(a, k)], _) => format!(
            "{} beats {blabel} in {:.0}% of replications; {}",
            k.label,
            100.0 * a.p_better,
            match a.payback_month {
                Some(1) => "ahead from the first month".to_string(),
                Some(m) => format!("pays back in month {m}"),
                None => format!("does not pay back within {months} months"),
            }
        ),
        (_, Some((m, k))) => format!(
            "{} of {} alternatives pay back within {months} months; {} first, in month {m}",
            paying.len(),
            alts.len(),
            k.label
        ),
        _ => format!("No alternative pays back within {months} months"),
    };
    let ptitle = match best(alts.iter().map(|(a, _)| a.p_better)) {
        Some((i, p)) => format!(
            "{} beats {blabel} in {:.0}% of replications",
            alts[i].1.label,
            100.0 * p
        ),
        None => format!("NPV difference against {blabel}"),
    };
    vec![
        Figure {
            stem: "compare_cumulative_profit".into(),
            section: Section::Comparison,
            chart: Chart::Fan {
                title: jtitle,
                y_label: format!("minus {blabel}"),
                unit: Unit::Eur,
                panels: alts
                    .iter()
                    .map(|(a, k)| Panel {
                        key: (*k).clone(),
                        bands: a.cumulative_profit_bands.clone(),
                        mark: a.payback_month.filter(|m| *m > 1),
                    })
                    .collect(),
                reference: None,
                zero_line: true,
            },
            caption: format!(
                "The paired difference in cumulative profit against {blabel}, month by month (line: median; bands: 50% and 90% of replications). An investment dips below zero while it costs and climbs above when it pays back: the J-curve. The dashed line marks the payback month, from which the median stays above zero."
            ),
        },
        Figure {
            stem: "compare_npv_difference".into(),
            section: Section::Comparison,
            chart: Chart::Boxes {
                title: ptitle,
                x_label: format!("NPV minus {blabel}'s"),
                unit: Unit::Eur,
                rows: alts
                    .iter()
                    .map(|(a, k)| {
                        let (m, q) = five(a.npv_differences.iter().copied());
                        BoxRow {
                            key: (*k).clone(),
                            bands: q,
                            mean: m,
                            note: Some(format!("P(better) {:.0}%", 100.0 * a.p_better)),
                        }
                    })
                    .collect(),
                zero_line: true,
            },
            caption: format!(
                "Distribution over replications of the paired NPV difference against {blabel}. A box wholly right of zero: the alternative wins whatever the uncertain parameters turned out to be. P(better): the share of replications in which it wins."
            ),
        },
    ]
}

fn plot_err(path: &Path, e: String) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    }
}

/// Renders `fig` as `dir/STEM.png` and `dir/STEM.svg` (with the font embedded); returns the SVG
/// text without the font, for a page that embeds it once.
pub fn render(fig: &Figure, dir: &Path) -> Result<String> {
    render_with(
        &fig.stem,
        fig.chart.size(),
        dir,
        &|root| fig.chart.draw(root),
        &|root| fig.chart.draw(root),
    )
}

/// Draws one chart with `png` and `svg` (the same drawing on each backend) as
/// `dir/STEM.png` and `dir/STEM.svg` of `size` pixels; returns the SVG text.
pub(crate) fn render_with(
    stem: &str,
    size: (u32, u32),
    dir: &Path,
    png: &dyn Fn(&DrawingArea<BitMapBackend<'_>, Shift>) -> charts::DrawResult,
    draw_svg: &dyn Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> charts::DrawResult,
) -> Result<String> {
    init_fonts();
    let png_path = dir.join(format!("{stem}.png"));
    png(&BitMapBackend::new(&png_path, size).into_drawing_area()).map_err(|e| plot_err(&png_path, e))?;
    let svg_path = dir.join(format!("{stem}.svg"));
    let mut svg = String::new();
    draw_svg(&SVGBackend::with_string(&mut svg, size).into_drawing_area()).map_err(|e| plot_err(&svg_path, e))?;
    let open = svg.find('>').map_or(0, |i| i + 1);
    let standalone = format!(
        "{}<defs><style>{}</style></defs>{}",
        &svg[..open],
        font_face(),
        &svg[open..]
    );
    std::fs::write(&svg_path, standalone).map_err(|source| Error::Write {
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
        figs.extend(comparison_figures(result, c));
    }
    figs.sort_by_key(|f| f.section);
    let rendered: Vec<(Figure, String)> = figs
        .into_iter()
        .map(|f| render(&f, &plots).map(|svg| (f, svg)))
        .collect::<Result<_>>()?;
    let page = html::page(result, comparison, &rendered);
    let path = dir.join("report.html");
    std::fs::write(&path, page).map_err(|source| Error::Write { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }
}
