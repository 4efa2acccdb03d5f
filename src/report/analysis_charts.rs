//! Charts and report pages of the analyses (sweep, sensitivity, calibrate, optimize):
//! effects of each key with interval bands, a heat map of two keys, sorted
//! bars with intervals (tornado, indices, effects) and x-y scatters. They reuse
//! the palette, fonts and axis helpers of [`super::charts`].

use std::fmt::Write;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::charts::{DrawResult, FONT, LABEL, TITLE, colour, err, row_axis, span};
use super::html::{STYLE, escape};
use crate::analysis::calibrate::Calibration;
use crate::analysis::design::Spread;
use crate::analysis::sensitivity::{Estimate, Method, Study};
use crate::analysis::sweep::Sweep;
use crate::error::{Error, Result};
use crate::metrics::Metric;
use crate::output::format::{Unit, ticks, value};
use crate::stats::Summary;

/// A tick or cell label: the project's plain number format, large numbers as counts ("9,000").
fn human(v: f64) -> String {
    value(if v.abs() >= 1000.0 { Unit::Count } else { Unit::Plain }, v)
}

/// One analysis chart's data.
#[derive(Debug, Clone)]
pub enum AnalysisChart {
    /// One panel per key: the metric's mean against the key's value, with its 95% band.
    Effects {
        /// Title.
        title: String,
        /// Y axis description with unit.
        y_label: String,
        /// (key, points (x, mean, ci95 low, ci95 high) in x order).
        panels: Vec<(String, Vec<[f64; 4]>)>,
    },
    /// A metric's mean over a grid of two keys.
    HeatMap {
        /// Title.
        title: String,
        /// The two keys (x, y).
        keys: [String; 2],
        /// Levels of x and of y.
        levels: [Vec<f64>; 2],
        /// `z[iy][ix]`.
        z: Vec<Vec<f64>>,
    },
    /// Horizontal bars from zero with 95% whiskers: one row per key, one bar per measure.
    Bars {
        /// Title.
        title: String,
        /// X axis description.
        x_label: String,
        /// Measure names (one colour each).
        measures: Vec<String>,
        /// (row name, one estimate per measure).
        rows: Vec<(String, Vec<Estimate>)>,
    },
    /// Points (x, y), labelled, each series one colour.
    Scatter {
        /// Title.
        title: String,
        /// Axis descriptions.
        labels: [String; 2],
        /// (series name, points (x, y)).
        series: Vec<(String, Vec<(f64, f64)>)>,
        /// Join the points of each series by lines.
        lines: bool,
    },
}

impl AnalysisChart {
    /// The title.
    pub fn title(&self) -> &str {
        match self {
            AnalysisChart::Effects { title, .. }
            | AnalysisChart::HeatMap { title, .. }
            | AnalysisChart::Bars { title, .. }
            | AnalysisChart::Scatter { title, .. } => title,
        }
    }

    /// A good canvas size in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            AnalysisChart::Effects { panels, .. } => {
                let cols = panels.len().clamp(1, 3) as u32;
                let rows = panels.len().div_ceil(3).max(1) as u32;
                (400 * cols + 100, 120 + 300 * rows)
            }
            AnalysisChart::Bars { rows, measures, .. } => {
                (1200, 170 + (16 + 18 * measures.len() as u32) * rows.len() as u32)
            }
            _ => (1100, 700),
        }
    }

    /// Draws the chart on `root`.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&WHITE).map_err(err)?;
        match self {
            AnalysisChart::Effects { title, y_label, panels } => effects(root, title, y_label, panels),
            AnalysisChart::HeatMap { title, keys, levels, z } => heat_map(root, title, keys, levels, z),
            AnalysisChart::Bars {
                title,
                x_label,
                measures,
                rows,
            } => bars(root, title, x_label, measures, rows),
            AnalysisChart::Scatter {
                title,
                labels,
                series,
                lines,
            } => scatter(root, title, labels, series, *lines),
        }?;
        root.present().map_err(err)
    }
}

fn effects<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    y_label: &str,
    panels: &[(String, Vec<[f64; 4]>)],
) -> DrawResult {
    let body = root.titled(title, (FONT, TITLE)).map_err(err)?;
    let cols = panels.len().clamp(1, 3);
    let areas = body.split_evenly((panels.len().div_ceil(cols).max(1), cols));
    for (i, ((key, pts), area)) in panels.iter().zip(&areas).enumerate() {
        let (x0, x1) = span(pts.iter().map(|p| p[0]), false);
        let (y0, y1) = span(pts.iter().flat_map(|p| [p[2], p[3]]), false);
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(65)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(key.as_str())
            .y_desc(y_label)
            .x_label_formatter(&|v| human(*v))
            .y_label_formatter(&|v| human(*v))
            .label_style((FONT, LABEL))
            .draw()
            .map_err(err)?;
        let c = colour(i);
        let band: Vec<(f64, f64)> = pts
            .iter()
            .map(|p| (p[0], p[3]))
            .chain(pts.iter().rev().map(|p| (p[0], p[2])))
            .collect();
        chart
            .draw_series([Polygon::new(band, c.mix(0.2).filled())])
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(pts.iter().map(|p| (p[0], p[1])), c.stroke_width(2)))
            .map_err(err)?;
        chart
            .draw_series(pts.iter().map(|p| Circle::new((p[0], p[1]), 3, c.filled())))
            .map_err(err)?;
    }
    Ok(())
}

fn heat_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    keys: &[String; 2],
    levels: &[Vec<f64>; 2],
    z: &[Vec<f64>],
) -> DrawResult {
    let (nx, ny) = (levels[0].len(), levels[1].len());
    let (lo, hi) = span(z.iter().flatten().copied(), false);
    let names = |v: &[f64]| v.iter().map(|x| human(*x)).collect::<Vec<_>>();
    let (xn, yn) = (names(&levels[0]), names(&levels[1]));
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..(nx as f64 - 0.5), -0.5..(ny as f64 - 0.5))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(keys[0].as_str())
        .y_desc(keys[1].as_str())
        .x_labels(nx)
        .y_labels(ny)
        .x_label_formatter(&row_axis(&xn))
        .y_label_formatter(&row_axis(&yn))
        .label_style((FONT, LABEL))
        .draw()
        .map_err(err)?;
    let (cold, warm) = (colour(0), colour(1));
    for (iy, row) in z.iter().enumerate() {
        for (ix, &v) in row.iter().enumerate() {
            let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
            let mixc = |a: u8, b: u8| (f64::from(a) + t * (f64::from(b) - f64::from(a))) as u8;
            let c = RGBColor(mixc(cold.0, warm.0), mixc(cold.1, warm.1), mixc(cold.2, warm.2));
            let (x, y) = (ix as f64, iy as f64);
            chart
                .draw_series([Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], c.filled())])
                .map_err(err)?;
            chart
                .draw_series([Text::new(human(v), (x - 0.2, y), (FONT, LABEL).into_font())])
                .map_err(err)?;
        }
    }
    Ok(())
}

fn bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    measures: &[String],
    rows: &[(String, Vec<Estimate>)],
) -> DrawResult {
    let n = rows.len().max(1);
    let (lo, hi) = span(
        rows.iter()
            .flat_map(|(_, es)| es.iter().flat_map(|e| [e.value, e.ci95[0], e.ci95[1]])),
        true,
    );
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE))
        .margin(16)
        .x_label_area_size(45)
        .y_label_area_size(260)
        .build_cartesian_2d(lo..hi, (n as f64 - 0.5)..-0.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .disable_y_mesh()
        .x_desc(x_label)
        .x_label_formatter(&|v| human(*v))
        .y_labels(n)
        .y_label_formatter(&row_axis(&names))
        .label_style((FONT, LABEL))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
    let m = measures.len().max(1) as f64;
    let h = 0.8 / m;
    for (i, (_, es)) in rows.iter().enumerate() {
        for (j, e) in es.iter().enumerate() {
            let y = i as f64 - 0.4 + h * (j as f64 + 0.5);
            let c = colour(j);
            chart
                .draw_series([Rectangle::new(
                    [(0.0, y - 0.4 * h), (e.value, y + 0.4 * h)],
                    c.mix(0.6).filled(),
                )])
                .map_err(err)?;
            chart
                .draw_series([
                    PathElement::new(vec![(e.ci95[0], y), (e.ci95[1], y)], BLACK.stroke_width(2)),
                    PathElement::new(
                        vec![(e.ci95[0], y - 0.3 * h), (e.ci95[0], y + 0.3 * h)],
                        BLACK.stroke_width(2),
                    ),
                    PathElement::new(
                        vec![(e.ci95[1], y - 0.3 * h), (e.ci95[1], y + 0.3 * h)],
                        BLACK.stroke_width(2),
                    ),
                ])
                .map_err(err)?;
        }
    }
    if measures.len() > 1 {
        for (j, name) in measures.iter().enumerate() {
            chart
                .draw_series([Rectangle::new([(lo, -0.5), (lo, -0.5)], colour(j).filled())])
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour(j).filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font((FONT, LABEL))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn scatter<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    labels: &[String; 2],
    series: &[(String, Vec<(f64, f64)>)],
    lines: bool,
) -> DrawResult {
    let (x0, x1) = span(series.iter().flat_map(|s| s.1.iter().map(|p| p.0)), false);
    let (y0, y1) = span(series.iter().flat_map(|s| s.1.iter().map(|p| p.1)), false);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE))
        .margin(16)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let (x_ticks, y_ticks) = (ticks(Unit::Plain, x0, x1, 10), ticks(Unit::Plain, y0, y1, 10));
    chart
        .configure_mesh()
        .x_desc(labels[0].as_str())
        .y_desc(labels[1].as_str())
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .label_style((FONT, LABEL))
        .draw()
        .map_err(err)?;
    for (i, (name, pts)) in series.iter().enumerate() {
        let c = colour(i);
        if lines {
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                .map_err(err)?;
        }
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| Circle::new((x + 7, y), 4, c.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FONT, LABEL))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// A chart with its file stem and how to read it.
#[derive(Debug, Clone)]
pub struct AnalysisFigure {
    /// File stem under `plots/`.
    pub stem: String,
    /// The chart.
    pub chart: AnalysisChart,
    /// How to read it.
    pub caption: String,
}

/// Renders `figures` into `dir/plots/` and writes `dir/report.html` with them after `intro` (HTML).
pub fn write_page(dir: &Path, heading: &str, intro: &str, figures: &[AnalysisFigure]) -> Result<()> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|source| Error::Write {
        path: plots.clone(),
        source,
    })?;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>spc {}</title><style>{}{STYLE}</style></head><body><h1>{}</h1>{intro}",
        escape(heading),
        super::font_face(),
        escape(heading)
    );
    for f in figures {
        let svg = super::render_with(&f.stem, f.chart.size(), &plots, &|r| f.chart.draw(r), &|r| {
            f.chart.draw(r)
        })?;
        let _ = write!(
            h,
            "<figure id=\"{}\"><h2>{}</h2>{svg}<figcaption>{}</figcaption></figure>",
            f.stem,
            escape(f.chart.title()),
            escape(&f.caption)
        );
    }
    h.push_str("</body></html>\n");
    let path = dir.join("report.html");
    std::fs::write(&path, h).map_err(|source| Error::Write { path, source })
}

/// The metrics a sweep charts against each key.
const HEADLINE: [(Metric, &str); 4] = [
    (Metric::Npv, "NPV (EUR)"),
    (Metric::AnnualRetention, "annual retention (0-1)"),
    (Metric::MeanSatisfaction, "mean reported satisfaction (1-5)"),
    (Metric::FinalCustomers, "final customers"),
];

/// Plots and report page of a sweep.
pub fn write_sweep(sweep: &Sweep, scenario: &str, dir: &Path) -> Result<()> {
    let factors = &sweep.points.factors;
    let mut figures = Vec::new();
    for (metric, label) in HEADLINE {
        let panels = factors
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut xs: Vec<f64> = sweep.points.values.iter().map(|v| v[i]).collect();
                xs.sort_by(f64::total_cmp);
                xs.dedup();
                let pts = xs
                    .iter()
                    .map(|&x| {
                        let s = Summary::of(
                            sweep
                                .points
                                .values
                                .iter()
                                .zip(&sweep.rows)
                                .filter(|(v, _)| v[i] == x)
                                .flat_map(|(_, reps)| reps.iter().map(|r| r[metric as usize])),
                        );
                        [x, s.mean, s.ci95[0], s.ci95[1]]
                    })
                    .collect();
                (f.key.clone(), pts)
            })
            .collect();
        figures.push(AnalysisFigure {
            stem: format!("sweep_{}", metric.name()),
            chart: AnalysisChart::Effects {
                title: format!("{label} against each key"),
                y_label: label.to_string(),
                panels,
            },
            caption: "Mean over replications (and over the other keys' values at the same level of this key) with its 95% interval band.".into(),
        });
    }
    if factors.len() == 2 {
        let levels: [Vec<f64>; 2] = std::array::from_fn(|i| {
            let mut v: Vec<f64> = sweep.points.values.iter().map(|p| p[i]).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        });
        if levels[0].len() * levels[1].len() == sweep.points.values.len() {
            let z = levels[1]
                .iter()
                .map(|&y| {
                    levels[0]
                        .iter()
                        .map(|&x| {
                            let p = sweep.points.values.iter().position(|v| v[0] == x && v[1] == y);
                            p.map_or(f64::NAN, |p| sweep.summary(p, Metric::Npv).mean)
                        })
                        .collect()
                })
                .collect();
            figures.push(AnalysisFigure {
                stem: "sweep_heatmap_npv".into(),
                chart: AnalysisChart::HeatMap {
                    title: "Mean NPV (EUR) over the grid".into(),
                    keys: [factors[0].key.clone(), factors[1].key.clone()],
                    levels,
                    z,
                },
                caption: "Mean NPV at each combination of the two keys (warmer is higher).".into(),
            });
        }
    }
    let intro = format!(
        "<p class=\"note\">Sweep of scenario {}: {} points x {} replications on common random numbers. Data: sweep.csv, sweep_summary.csv.</p>",
        escape(scenario),
        sweep.points.values.len(),
        sweep.rows.first().map_or(0, Vec::len)
    );
    write_page(dir, "Sweep", &intro, &figures)
}

/// Plots and report page of a sensitivity study.
pub fn write_sensitivity(study: &Study, dir: &Path) -> Result<()> {
    let doc = study.document();
    let output = doc["output"].as_str().unwrap_or_default().to_string();
    let est = |v: &serde_json::Value| -> Estimate {
        Estimate {
            value: v["value"].as_f64().unwrap_or(f64::NAN),
            ci95: [
                v["ci95"][0].as_f64().unwrap_or(f64::NAN),
                v["ci95"][1].as_f64().unwrap_or(f64::NAN),
            ],
        }
    };
    let (measures, names, caption): (Vec<String>, Vec<&str>, &str) = match study.options.method {
        Method::Tornado => (
            vec!["high minus low".into()],
            vec!["delta"],
            "Paired change of the output from each key's low to its high value (others central), sorted by size, with 95% intervals over replications.",
        ),
        Method::Morris => (
            vec!["mu*".into(), "sigma".into()],
            vec!["mu_star", "sigma"],
            "Morris elementary effects per full range of each key: mu* (importance) and sigma (interactions, nonlinearity), with bootstrap 95% intervals.",
        ),
        Method::Sobol => (
            vec!["first order".into(), "total".into()],
            vec!["first_order", "total"],
            "Sobol' first-order and total indices with bootstrap 95% intervals; an interval that includes zero: no detectable effect.",
        ),
    };
    let mut rows: Vec<(String, Vec<Estimate>)> = study
        .keys
        .iter()
        .map(|(k, v)| {
            let es = names.iter().map(|n| est(&v[*n])).collect();
            (k.clone(), es)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.1[names.len() - 1]
            .value
            .abs()
            .total_cmp(&a.1[names.len() - 1].value.abs())
    });
    let figure = AnalysisFigure {
        stem: format!("sensitivity_{}", study.options.method.name()),
        chart: AnalysisChart::Bars {
            title: format!("{} of {output}", study.options.method.name()),
            x_label: output.clone(),
            measures,
            rows,
        },
        caption: caption.into(),
    };
    let noise = study
        .noise_share
        .map_or("not estimated (one replication per point)".to_string(), |s| {
            format!("{:.0}%", 100.0 * s)
        });
    let intro = format!(
        "<p class=\"note\">Method {}, output {}; {} runs; share of the output's variance that is simulation noise: {}. Data: sensitivity.json, sensitivity_runs.csv.</p>",
        study.options.method.name(),
        escape(&output),
        doc["runs"],
        noise
    );
    write_page(dir, "Sensitivity", &intro, &[figure])
}

/// A weighted histogram of `values` over `lo..hi` in `bins` bins, as density points (bin centre, density).
fn density(values: &[(f64, f64)], lo: f64, hi: f64, bins: usize) -> Vec<(f64, f64)> {
    let width = (hi - lo) / bins as f64;
    let mut mass = vec![0.0; bins];
    let total: f64 = values.iter().map(|(_, w)| w).sum();
    for &(v, w) in values.iter().filter(|(v, _)| (lo..=hi).contains(v)) {
        let b = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        mass[b] += w / total;
    }
    mass.iter()
        .enumerate()
        .map(|(b, m)| (lo + (b as f64 + 0.5) * width, m / width))
        .collect()
}

/// Plots and report page of a calibration: prior against posterior for each free key, and
/// each target against the prior and the calibrated model.
pub fn write_calibration(cal: &Calibration, dir: &Path) -> Result<()> {
    let mut figures = Vec::new();
    for (i, f) in cal.free.iter().enumerate() {
        let fmt = cal.key_format(i);
        let (lo, hi) = match f.spread {
            Spread::Range { .. } => (f.value(0.0), f.value(1.0)),
            Spread::Dist(_) => (f.value(0.005), f.value(0.995)),
        };
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, hi + 0.5) };
        const PRIOR_SAMPLE: usize = 4000;
        let prior: Vec<(f64, f64)> = (0..PRIOR_SAMPLE)
            .map(|j| (f.value((j as f64 + 0.5) / PRIOR_SAMPLE as f64), 1.0))
            .collect();
        let posterior: Vec<(f64, f64)> = cal.posterior.iter().map(|(t, w)| (t[i], *w)).collect();
        let (pr, po) = (cal.prior_of(i), cal.posterior_of(i));
        figures.push(AnalysisFigure {
            stem: format!("calibration_{}", f.key.replace('.', "_")),
            chart: AnalysisChart::Scatter {
                title: format!(
                    "{}: 90% of the posterior in {} .. {} (prior {} .. {})",
                    f.key,
                    fmt(po.p[0]),
                    fmt(po.p[2]),
                    fmt(pr[0]),
                    fmt(pr[2])
                ),
                labels: [f.key.clone(), "density".into()],
                series: vec![
                    ("prior".into(), density(&prior, lo, hi, 20)),
                    ("posterior".into(), density(&posterior, lo, hi, 20)),
                ],
                lines: true,
            },
            caption: "Density of the prior (what the targets file allowed) and of the posterior (what the targets leave), in 20 bins over the prior's range (its 99% range for a distribution).".into(),
        });
    }
    let z = |rows: &[crate::analysis::Row], t: &crate::analysis::calibrate::Target| -> Estimate {
        let (mean, q) = crate::stats::five(rows.iter().map(|r| (r[t.metric as usize] - t.value) / t.sd));
        Estimate {
            value: mean,
            ci95: [q[0], q[4]],
        }
    };
    let rows: Vec<(String, Vec<Estimate>)> = cal
        .targets
        .iter()
        .map(|t| {
            (
                t.metric.name().to_string(),
                vec![z(&cal.prior_rows, t), z(&cal.predictive, t)],
            )
        })
        .collect();
    let worst = rows.iter().map(|(_, e)| e[1].value.abs()).fold(0.0, f64::max);
    figures.push(AnalysisFigure {
        stem: "calibration_targets".into(),
        chart: AnalysisChart::Bars {
            title: format!("The calibrated model's mean is within {worst:.1} sd of every target"),
            x_label: "simulated minus observed (target sds)".into(),
            measures: vec!["prior model".into(), "calibrated model".into()],
            rows,
        },
        caption: "For each target: the mean of the simulated metric minus the observed value, in the target's sd, with the 5-95% range of replications (whiskers), for the prior (generation 1) and for the calibrated scenario (each replication one posterior point).".into(),
    });
    let mut intro = format!(
        "<p class=\"note\">Method: {}. {} generations, {} simulations, {} replications per particle on common random numbers; effective sample size {:.0}; best particle {:.2} target sds from the targets. Data: calibration.json, calibrated.toml.</p>",
        escape(crate::analysis::calibrate::METHOD),
        cal.generations.len(),
        cal.simulations,
        cal.run.replications,
        cal.ess,
        cal.best_distance
    );
    for w in cal.warnings() {
        let _ = write!(intro, "<p class=\"note\">Warning: {}</p>", escape(&w));
    }
    intro.push_str("<table><tr><th>key</th><th>prior 90%</th><th>posterior mean</th><th>posterior 90%</th></tr>");
    for (i, f) in cal.free.iter().enumerate() {
        let fmt = cal.key_format(i);
        let (pr, po) = (cal.prior_of(i), cal.posterior_of(i));
        let _ = write!(
            intro,
            "<tr><td>{}</td><td>{} .. {}</td><td>{}</td><td>{} .. {}</td></tr>",
            escape(&f.key),
            fmt(pr[0]),
            fmt(pr[2]),
            fmt(po.mean),
            fmt(po.p[0]),
            fmt(po.p[2])
        );
    }
    intro.push_str("</table><table><tr><th>target</th><th>observed &plusmn; sd</th><th>calibrated mean</th><th>calibrated 5-95%</th></tr>");
    for (i, t) in cal.targets.iter().enumerate() {
        let fmt = cal.target_format(i);
        let (mean, p5, p95) = cal.simulated(i);
        let _ = write!(
            intro,
            "<tr><td>{}</td><td>{} &plusmn; {}</td><td>{}</td><td>{} .. {}</td></tr>",
            t.metric.name(),
            fmt(t.value),
            fmt(t.sd),
            fmt(mean),
            fmt(p5),
            fmt(p95)
        );
    }
    intro.push_str("</table>");
    write_page(dir, "Calibration", &intro, &figures)
}
