//! Chart types, drawn with plotters on any backend (PNG for slides, SVG for
//! documents and the HTML report). Each chart takes plain data (quantile
//! bands, summaries, shares), so every command can reuse them.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::full_palette::{GREY_400, GREY_600};

/// Distinguishable colours (Tableau 10, with indigo for its grey, which marks the baseline reference), one
/// per scenario in order.
pub const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(72, 61, 160),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

/// Five quantiles of a distribution: p5, p25, p50, p75, p95.
pub type Bands = [f64; 5];

/// One chart's data.
#[derive(Debug, Clone)]
pub enum Chart {
    /// Small multiples over months: per panel a 90% and a 50% band and a median line; an
    /// optional reference median (dashed grey) in every panel; an optional zero line.
    Fan {
        /// Title.
        title: String,
        /// Y axis description with unit.
        y_label: String,
        /// (panel name, bands per month).
        panels: Vec<(String, Vec<Bands>)>,
        /// (name, median per month) drawn in every panel for reference.
        reference: Option<(String, Vec<f64>)>,
        /// Draw a horizontal line at zero.
        zero_line: bool,
    },
    /// One horizontal box per row: whiskers p5-p95, box p25-p75, median bar, mean dot.
    Boxes {
        /// Title.
        title: String,
        /// X axis description with unit.
        x_label: String,
        /// (row name, bands, mean).
        rows: Vec<(String, Bands, f64)>,
        /// Draw a vertical line at zero.
        zero_line: bool,
    },
    /// Bars per last reported score 1-5 with 90% intervals, zones shaded.
    ChurnByScore {
        /// Title.
        title: String,
        /// Per score 1-5: (mean, p5, p95) of annual churn (0-1).
        rates: [(f64, f64, f64); 5],
    },
    /// Scatter of sampled encounters and their binned mean against the position in the zone.
    Response {
        /// Title.
        title: String,
        /// (position: 0 at adequate A, 1 at desired D; response in satisfaction points).
        points: Vec<[f32; 2]>,
    },
    /// One stacked horizontal bar per row: shares of churners by last score 1-5.
    Stacked {
        /// Title.
        title: String,
        /// (row name, shares per score 1-5).
        rows: Vec<(String, [f64; 5])>,
    },
    /// Side-by-side panels of horizontal bars: one panel per measure, one bar per row.
    Panels {
        /// Title.
        title: String,
        /// Panel titles with units.
        measures: Vec<String>,
        /// (row name, one value per measure).
        rows: Vec<(String, Vec<f64>)>,
        /// Colour index of the first row (rows keep the colours their scenarios have elsewhere).
        first_colour: usize,
    },
}

type DrawResult = Result<(), String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn span(values: impl Iterator<Item = f64>, zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.06).max(hi.abs().max(1.0) * 1e-3);
    (lo - pad, hi + pad)
}

/// Tick labels with thousands shown as k and millions as M.
pub fn human(v: f64) -> String {
    let a = v.abs();
    if a < 1e-9 {
        "0".into()
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

const TITLE: u32 = 24;
const LABEL: u32 = 15;

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Fan { title, .. }
            | Chart::Boxes { title, .. }
            | Chart::ChurnByScore { title, .. }
            | Chart::Response { title, .. }
            | Chart::Stacked { title, .. }
            | Chart::Panels { title, .. } => title,
        }
    }

    /// A good canvas size in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Fan { panels, .. } => {
                let rows = panels.len().div_ceil(fan_columns(panels.len())) as u32;
                (1400, 120 + 260 * rows)
            }
            Chart::Boxes { rows, .. } => (1200, 160 + 42 * rows.len() as u32),
            Chart::Stacked { rows, .. } => (1200, 160 + 42 * rows.len() as u32),
            Chart::Panels { rows, .. } => (1400, 160 + 40 * rows.len() as u32),
            _ => (1100, 650),
        }
    }

    /// Draws the chart on `root`.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&WHITE).map_err(err)?;
        match self {
            Chart::Fan {
                title,
                y_label,
                panels,
                reference,
                zero_line,
            } => fan(root, title, y_label, panels, reference.as_ref(), *zero_line),
            Chart::Boxes {
                title,
                x_label,
                rows,
                zero_line,
            } => boxes(root, title, x_label, rows, *zero_line),
            Chart::ChurnByScore { title, rates } => churn_by_score(root, title, rates),
            Chart::Response { title, points } => response(root, title, points),
            Chart::Stacked { title, rows } => stacked(root, title, rows),
            Chart::Panels {
                title,
                measures,
                rows,
                first_colour,
            } => side_panels(root, title, measures, rows, *first_colour),
        }?;
        root.present().map_err(err)
    }
}

fn fan_columns(n: usize) -> usize {
    match n {
        0..=1 => 1,
        2..=4 => 2,
        5..=9 => 3,
        _ => 4,
    }
}

fn fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    y_label: &str,
    panels: &[(String, Vec<Bands>)],
    reference: Option<&(String, Vec<f64>)>,
    zero_line: bool,
) -> DrawResult {
    let root = root.titled(title, ("sans-serif", TITLE)).map_err(err)?;
    let months = panels.iter().map(|(_, b)| b.len()).max().unwrap_or(1).max(1);
    let all = panels.iter().flat_map(|(_, b)| b.iter().flat_map(|q| [q[0], q[4]]));
    let (lo, hi) = span(
        all.chain(reference.iter().flat_map(|(_, r)| r.iter().copied())),
        zero_line,
    );
    let cols = fan_columns(panels.len());
    let rows = panels.len().div_ceil(cols).max(1);
    let areas = root.split_evenly((rows, cols));
    for (i, ((name, bands), area)) in panels.iter().zip(areas.iter()).enumerate() {
        let c = colour(i);
        let mut chart = ChartBuilder::on(area)
            .caption(name, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(62)
            .build_cartesian_2d(1f64..months as f64, lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("month")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_desc(y_label)
            .y_label_formatter(&|v| human(*v))
            .x_labels(6)
            .y_labels(5)
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        let x = |t: usize| (t + 1) as f64;
        for (lo_q, hi_q, alpha) in [(0, 4, 0.18), (1, 3, 0.38)] {
            let mut pts: Vec<(f64, f64)> = bands.iter().enumerate().map(|(t, q)| (x(t), q[hi_q])).collect();
            pts.extend(bands.iter().enumerate().rev().map(|(t, q)| (x(t), q[lo_q])));
            chart
                .draw_series(std::iter::once(Polygon::new(pts, c.mix(alpha).filled())))
                .map_err(err)?;
        }
        if zero_line {
            chart
                .draw_series(LineSeries::new(
                    [(1.0, 0.0), (months as f64, 0.0)],
                    BLACK.stroke_width(1),
                ))
                .map_err(err)?;
        }
        if let Some((ref_name, r)) = reference {
            chart
                .draw_series(DashedLineSeries::new(
                    r.iter().enumerate().map(|(t, v)| (x(t), *v)),
                    6,
                    4,
                    GREY_600.stroke_width(2),
                ))
                .map_err(err)?
                .label(ref_name.as_str())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GREY_600.stroke_width(2)));
        }
        chart
            .draw_series(LineSeries::new(
                bands.iter().enumerate().map(|(t, q)| (x(t), q[2])),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label("median")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (0.0, 0.0)],
                c.mix(0.38).filled(),
            )))
            .map_err(err)?
            .label("50% / 90% of replications")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], c.mix(0.38).filled()));
        if i == 0 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", 12))
                .background_style(WHITE.mix(0.85))
                .border_style(GREY_400)
                .draw()
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Draws row names at integer y positions 0..n of a chart with a -0.5..n-0.5 y range.
fn row_axis<'a>(names: &'a [String]) -> impl Fn(&f64) -> String + 'a {
    move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}

fn boxes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    rows: &[(String, Bands, f64)],
    zero_line: bool,
) -> DrawResult {
    let n = rows.len().max(1);
    let (lo, hi) = span(rows.iter().flat_map(|(_, b, m)| [b[0], b[4], *m]), zero_line);
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", TITLE))
        .margin(16)
        .x_label_area_size(45)
        .y_label_area_size(130)
        .build_cartesian_2d(lo..hi, (n as f64 - 0.5)..-0.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc(x_label)
        .x_label_formatter(&|v| human(*v))
        .y_labels(n)
        .y_label_formatter(&row_axis(&names))
        .label_style(("sans-serif", LABEL))
        .disable_y_mesh()
        .draw()
        .map_err(err)?;
    if zero_line {
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
    }
    for (i, (_, b, mean)) in rows.iter().enumerate() {
        let y = i as f64;
        let c = colour(i);
        chart
            .draw_series([
                PathElement::new(vec![(b[0], y), (b[1], y)], c.stroke_width(2)),
                PathElement::new(vec![(b[3], y), (b[4], y)], c.stroke_width(2)),
                PathElement::new(vec![(b[0], y - 0.15), (b[0], y + 0.15)], c.stroke_width(2)),
                PathElement::new(vec![(b[4], y - 0.15), (b[4], y + 0.15)], c.stroke_width(2)),
            ])
            .map_err(err)?;
        chart
            .draw_series([Rectangle::new([(b[1], y - 0.3), (b[3], y + 0.3)], c.mix(0.35).filled())])
            .map_err(err)?;
        chart
            .draw_series([Rectangle::new([(b[1], y - 0.3), (b[3], y + 0.3)], c.stroke_width(1))])
            .map_err(err)?;
        chart
            .draw_series([PathElement::new(
                vec![(b[2], y - 0.3), (b[2], y + 0.3)],
                BLACK.stroke_width(3),
            )])
            .map_err(err)?;
        chart
            .draw_series([Circle::new((*mean, y), 4, BLACK.filled())])
            .map_err(err)?;
    }
    let note = "box: middle 50% of replications; whiskers: 5th-95th percentile; bar: median; dot: mean";
    root.draw(&Text::new(
        note,
        (20, root.dim_in_pixel().1 as i32 - 22),
        ("sans-serif", 13).into_font().color(&GREY_600),
    ))
    .map_err(err)?;
    Ok(())
}

fn churn_by_score<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    rates: &[(f64, f64, f64); 5],
) -> DrawResult {
    let hi = rates
        .iter()
        .map(|r| r.2.max(r.0))
        .filter(|v| v.is_finite())
        .fold(0.05, f64::max)
        * 1.15
        * 100.0;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", TITLE))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.5f64..5.5, 0f64..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("last reported satisfaction score (1-5)")
        .y_desc("annual churn (%)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_labels(5)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style(("sans-serif", LABEL))
        .disable_x_mesh()
        .draw()
        .map_err(err)?;
    let zones = [
        (0.5, 2.5, RGBColor(214, 39, 40), "defection zone"),
        (2.5, 4.5, RGBColor(127, 127, 127), "indifference zone"),
        (4.5, 5.5, RGBColor(44, 160, 44), "affection zone"),
    ];
    for (a, b, c, name) in zones {
        chart
            .draw_series([Rectangle::new([(a, 0.0), (b, hi)], c.mix(0.08).filled())])
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                name,
                ((a + b) / 2.0 - 0.35, hi * 0.95),
                ("sans-serif", 16).into_font().color(&c),
            )])
            .map_err(err)?;
    }
    for (k, (mean, p5, p95)) in rates.iter().enumerate() {
        if !mean.is_finite() {
            continue;
        }
        let x = k as f64 + 1.0;
        chart
            .draw_series([Rectangle::new(
                [(x - 0.3, 0.0), (x + 0.3, mean * 100.0)],
                colour(0).mix(0.8).filled(),
            )])
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                format!("{:.1}%", mean * 100.0),
                (x - 0.15, mean * 100.0 + hi * 0.03),
                ("sans-serif", 15),
            )])
            .map_err(err)?;
        if p5.is_finite() && p95.is_finite() {
            chart
                .draw_series([
                    PathElement::new(vec![(x, p5 * 100.0), (x, p95 * 100.0)], BLACK.stroke_width(2)),
                    PathElement::new(
                        vec![(x - 0.08, p5 * 100.0), (x + 0.08, p5 * 100.0)],
                        BLACK.stroke_width(2),
                    ),
                    PathElement::new(
                        vec![(x - 0.08, p95 * 100.0), (x + 0.08, p95 * 100.0)],
                        BLACK.stroke_width(2),
                    ),
                ])
                .map_err(err)?;
        }
    }
    Ok(())
}

fn response<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, points: &[[f32; 2]]) -> DrawResult {
    let (x0, x1) = (-2.0f64, 3.0f64);
    let inside: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (f64::from(p[0]), f64::from(p[1])))
        .filter(|(x, y)| (x0..=x1).contains(x) && y.is_finite())
        .collect();
    let (lo, hi) = span(inside.iter().map(|p| p.1), true);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", TITLE))
        .margin(16)
        .x_label_area_size(55)
        .y_label_area_size(75)
        .build_cartesian_2d(x0..x1, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("delivered quality relative to the customer's zone of tolerance (0 = adequate A, 1 = desired D)")
        .y_desc("satisfaction response (points)")
        .label_style(("sans-serif", LABEL))
        .draw()
        .map_err(err)?;
    chart
        .draw_series([Rectangle::new(
            [(0.0, lo), (1.0, hi)],
            RGBColor(127, 127, 127).mix(0.12).filled(),
        )])
        .map_err(err)?;
    chart
        .draw_series([Text::new(
            "zone of tolerance",
            (0.12, hi - (hi - lo) * 0.06),
            ("sans-serif", 16).into_font().color(&GREY_600),
        )])
        .map_err(err)?;
    chart
        .draw_series(
            inside
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 1, colour(0).mix(0.25).filled())),
        )
        .map_err(err)?
        .label("sampled encounters")
        .legend(|(x, y)| Circle::new((x + 8, y), 3, colour(0).filled()));
    let bins = 50;
    let width = (x1 - x0) / bins as f64;
    let mut sums = vec![(0.0, 0usize); bins];
    for &(x, y) in &inside {
        let b = (((x - x0) / width) as usize).min(bins - 1);
        sums[b].0 += y;
        sums[b].1 += 1;
    }
    let mean_line: Vec<(f64, f64)> = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.1 >= 5)
        .map(|(b, s)| (x0 + (b as f64 + 0.5) * width, s.0 / s.1 as f64))
        .collect();
    chart
        .draw_series(LineSeries::new(mean_line, colour(3).stroke_width(3)))
        .map_err(err)?
        .label("mean response")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour(3).stroke_width(3)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(GREY_400)
        .draw()
        .map_err(err)?;
    Ok(())
}

const SCORE_COLOURS: [RGBColor; 5] = [
    RGBColor(202, 0, 32),
    RGBColor(244, 165, 130),
    RGBColor(200, 200, 200),
    RGBColor(146, 197, 222),
    RGBColor(5, 113, 176),
];

fn stacked<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str, rows: &[(String, [f64; 5])]) -> DrawResult {
    let (root, legend) = area.split_vertically(area.dim_in_pixel().1 - 40);
    let root = &root;
    let n = rows.len().max(1);
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", TITLE))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(130)
        .build_cartesian_2d(0f64..100.0, (n as f64 - 0.5)..-0.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("share of churners (%), by the last score they reported")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(n)
        .y_label_formatter(&row_axis(&names))
        .label_style(("sans-serif", LABEL))
        .disable_y_mesh()
        .draw()
        .map_err(err)?;
    for (i, (_, shares)) in rows.iter().enumerate() {
        let y = i as f64;
        let mut x = 0.0;
        for (k, s) in shares.iter().enumerate() {
            let w = if s.is_finite() { s * 100.0 } else { 0.0 };
            chart
                .draw_series([Rectangle::new(
                    [(x, y - 0.35), (x + w, y + 0.35)],
                    SCORE_COLOURS[k].filled(),
                )])
                .map_err(err)?;
            if w >= 6.0 {
                let style = ("sans-serif", 13)
                    .into_font()
                    .color(if k == 0 || k == 4 { &WHITE } else { &BLACK });
                chart
                    .draw_series([Text::new(format!("{w:.0}%"), (x + w / 2.0 - 2.5, y - 0.12), style)])
                    .map_err(err)?;
            }
            x += w;
        }
    }
    for (k, c) in SCORE_COLOURS.iter().enumerate() {
        let x = 160 + 150 * k as i32;
        legend
            .draw(&Rectangle::new([(x, 10), (x + 18, 24)], c.filled()))
            .map_err(err)?;
        legend
            .draw(&Text::new(
                format!("last score {}", k + 1),
                (x + 24, 10),
                ("sans-serif", 14),
            ))
            .map_err(err)?;
    }
    Ok(())
}

fn side_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    measures: &[String],
    rows: &[(String, Vec<f64>)],
    first_colour: usize,
) -> DrawResult {
    let root = root.titled(title, ("sans-serif", TITLE)).map_err(err)?;
    let n = rows.len().max(1);
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let areas = root.split_evenly((1, measures.len().max(1)));
    for (m, (measure, area)) in measures.iter().zip(areas.iter()).enumerate() {
        let (lo, hi) = span(rows.iter().map(|r| r.1[m]), true);
        let mut chart = ChartBuilder::on(area)
            .caption(measure, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(if m == 0 { 120 } else { 8 })
            .build_cartesian_2d(lo..hi, (n as f64 - 0.5)..-0.5)
            .map_err(err)?;
        let labels = row_axis(&names);
        let none = |_: &f64| String::new();
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(4)
            .x_label_formatter(&|v| human(*v))
            .y_labels(n)
            .y_label_formatter(if m == 0 { &labels } else { &none })
            .label_style(("sans-serif", 13))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
        for (i, (_, values)) in rows.iter().enumerate() {
            let v = values[m];
            if v.is_finite() {
                let y = i as f64;
                chart
                    .draw_series([Rectangle::new(
                        [(0.0, y - 0.32), (v, y + 0.32)],
                        colour(first_colour + i).filled(),
                    )])
                    .map_err(err)?;
            }
        }
    }
    Ok(())
}
