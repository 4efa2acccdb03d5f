//! Chart types, drawn with plotters on any backend (PNG for slides, SVG for
//! documents and the HTML report). Each chart takes plain data (quantile
//! bands, summaries, shares) and the [`Key`] of every scenario it shows, so a
//! scenario has one label and one colour in every chart of a run.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::full_palette::{GREY_400, GREY_600, GREY_800};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::metrics::ScoreRate;
use crate::output::format::{self, Unit};
use crate::stats::{quantile_sorted, sorted_finite};

/// The font every chart is drawn with (embedded in the binary, and in every SVG and report).
pub const FONT: &str = "DejaVu Sans";

/// Distinguishable colours (Tableau 10, with indigo for its grey, which marks the baseline
/// reference), one per scenario in the order the scenarios were given.
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

/// The palette: the colour of the scenario at position `i` of the run (0 = baseline). Every
/// chart and the report's tables take a scenario's colour from here and nowhere else.
pub fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

/// The colour of scenario `i` as CSS, e.g. `#1f77b4`.
pub fn css_colour(i: usize) -> String {
    let RGBColor(r, g, b) = colour(i);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A scenario as the charts show it: its label and its position in the run (its colour).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The scenario's label.
    pub label: String,
    /// Its position in the run: the palette index.
    pub index: usize,
}

impl Key {
    fn colour(&self) -> RGBColor {
        colour(self.index)
    }
}

/// Five quantiles of a distribution: p5, p25, p50, p75, p95.
pub type Bands = [f64; 5];

/// One panel of a fan chart.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The scenario.
    pub key: Key,
    /// Quantile bands per month.
    pub bands: Vec<Bands>,
    /// A month to mark with a dashed vertical line (the payback month), if any.
    pub mark: Option<u32>,
}

/// One row of a box chart.
#[derive(Debug, Clone)]
pub struct BoxRow {
    /// The scenario.
    pub key: Key,
    /// Quantiles over replications.
    pub bands: Bands,
    /// Mean over replications.
    pub mean: f64,
    /// Text written right of the row (e.g. "P(better) 80%").
    pub note: Option<String>,
}

/// A mean with its 95% interval.
pub type Interval = [f64; 3];

/// One chart's data.
#[derive(Debug, Clone)]
pub enum Chart {
    /// Small multiples over months: per panel a 90% and a 50% band and a median line; an
    /// optional reference median (dashed grey) in every panel; an optional zero line.
    Fan {
        /// Title.
        title: String,
        /// Y axis description.
        y_label: String,
        /// Unit of the y axis.
        unit: Unit,
        /// The panels.
        panels: Vec<Panel>,
        /// (name, median per month) drawn in every panel for reference.
        reference: Option<(String, Vec<f64>)>,
        /// Draw a horizontal line at zero.
        zero_line: bool,
    },
    /// One line per scenario over months in one panel, a zero line, a dot at each marked month,
    /// and a legend ordered as the lines end.
    Lines {
        /// Title.
        title: String,
        /// Y axis description.
        y_label: String,
        /// Unit of the y axis.
        unit: Unit,
        /// (scenario, value per month, month to mark).
        series: Vec<(Key, Vec<f64>, Option<u32>)>,
    },
    /// One horizontal box per row: whiskers p5-p95, box p25-p75, median bar, mean dot.
    Boxes {
        /// Title.
        title: String,
        /// X axis description.
        x_label: String,
        /// Unit of the x axis.
        unit: Unit,
        /// The rows.
        rows: Vec<BoxRow>,
        /// Draw a vertical line at zero.
        zero_line: bool,
    },
    /// Bars per last reported score 1-5, pooled over replications, with 95% intervals and the
    /// customer-years behind each; zones shaded.
    ChurnByScore {
        /// Title.
        title: String,
        /// Per score 1-5: annual churn, its interval and what it rests on.
        rates: [ScoreRate; 5],
    },
    /// Density of sampled encounters (shaded cells) and their binned mean against the position
    /// in the zone of tolerance.
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
        /// (scenario, shares per score 1-5).
        rows: Vec<(Key, [f64; 5])>,
    },
    /// A grid of panels of horizontal bars with 95% intervals: one panel per measure, one bar
    /// per scenario.
    Panels {
        /// Title.
        title: String,
        /// Panel titles and units.
        measures: Vec<(String, Unit)>,
        /// (scenario, mean and 95% interval per measure).
        rows: Vec<(Key, Vec<Interval>)>,
    },
}

/// A drawing's outcome: plotters' error as text.
pub(crate) type DrawResult = Result<(), String>;

/// Plotters' error as text.
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Largest magnitude drawn on an axis: far beyond any result, small enough that a range
/// and its padding stay finite.
const AXIS_LIMIT: f64 = 1e200;

/// A padded axis range over the finite `values` (and zero, if `zero`).
pub(crate) fn span(values: impl Iterator<Item = f64>, zero: bool) -> (f64, f64) {
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

const WIDTH: u32 = 1100;
/// Title font size (px).
pub(crate) const TITLE: u32 = 22;
/// Axis label font size (px).
pub(crate) const LABEL: u32 = 15;
const TICK: u32 = 14;

fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

fn grey(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&GREY_800)
}

/// Draws the title, shrunk to fit the width, and returns the area below it.
fn titled<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str) -> Result<DrawingArea<DB, Shift>, String> {
    let width = root.dim_in_pixel().0 as f64;
    let chars = title.chars().count().max(1) as f64;
    let size = (TITLE as f64).min((width - 40.0) / (0.56 * chars)).max(12.0) as u32;
    let mut letters = title.chars();
    let title: String = letters
        .next()
        .map(|c| c.to_uppercase().chain(letters).collect())
        .unwrap_or_default();
    root.titled(&title, font(size)).map_err(err)
}

/// Writes a grey note in a strip at the bottom of `area`; returns the area above it.
fn footnote<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, note: &str) -> Result<DrawingArea<DB, Shift>, String> {
    let h = area.dim_in_pixel().1;
    let (main, strip) = area.split_vertically(h.saturating_sub(30));
    strip
        .draw(&Text::new(note.to_string(), (20, 6), grey(13)))
        .map_err(err)?;
    Ok(main)
}

/// What a legend entry shows.
enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Band(RGBColor),
    Dot(RGBColor),
}

/// Draws legend entries left to right from `(x, y)` (pixels of `area`).
fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    entries: &[(Swatch, String)],
) -> DrawResult {
    let mut x = x;
    for (swatch, text) in entries {
        draw_swatch(area, swatch, (x, y))?;
        area.draw(&Text::new(
            text.clone(),
            (x + 26, y),
            font(TICK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        x += 40 + (text.chars().count() as f64 * 0.56 * TICK as f64) as i32;
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, swatch: &Swatch, (x, y): (i32, i32)) -> DrawResult {
    match swatch {
        Swatch::Line(c) => area.draw(&PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))),
        Swatch::Dashed(c) => area
            .draw(&PathElement::new(vec![(x, y), (x + 8, y)], c.stroke_width(2)))
            .and_then(|_| area.draw(&PathElement::new(vec![(x + 12, y), (x + 20, y)], c.stroke_width(2)))),
        Swatch::Band(c) => area.draw(&Rectangle::new([(x, y - 6), (x + 20, y + 6)], c.mix(0.4).filled())),
        Swatch::Dot(c) => area.draw(&Circle::new((x + 10, y), 5, c.filled())),
    }
    .map_err(err)
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Fan { title, .. }
            | Chart::Lines { title, .. }
            | Chart::Boxes { title, .. }
            | Chart::ChurnByScore { title, .. }
            | Chart::Response { title, .. }
            | Chart::Stacked { title, .. }
            | Chart::Panels { title, .. } => title,
        }
    }

    /// A good canvas size in pixels: as wide as the report's column, so text keeps its size there.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Fan { panels, .. } => {
                let rows = panels.len().div_ceil(fan_columns(panels.len())).max(1) as u32;
                (WIDTH, 100 + 250 * rows)
            }
            Chart::Boxes { rows, .. } => (WIDTH, 170 + 44 * rows.len().max(1) as u32),
            Chart::Stacked { rows, .. } => (WIDTH, 190 + 44 * rows.len().max(1) as u32),
            Chart::Panels { rows, measures, .. } => {
                let grid = measures.len().div_ceil(3).max(1) as u32;
                (WIDTH, 60 + grid * (80 + 30 * rows.len().max(1) as u32))
            }
            Chart::Lines { .. } => (WIDTH, 560),
            Chart::ChurnByScore { .. } | Chart::Response { .. } => (WIDTH, 600),
        }
    }

    /// The chart with every finite value brought within [`AXIS_LIMIT`]: plotters' tick search
    /// and fills loop for ages on ranges that overflow, so no value may reach them.
    fn within_axis_limit(&self) -> Chart {
        let v = |x: f64| {
            if x.is_finite() {
                x.clamp(-AXIS_LIMIT, AXIS_LIMIT)
            } else {
                x
            }
        };
        let mut c = self.clone();
        match &mut c {
            Chart::Fan { panels, reference, .. } => {
                panels
                    .iter_mut()
                    .flat_map(|p| p.bands.iter_mut())
                    .flatten()
                    .for_each(|x| *x = v(*x));
                reference
                    .iter_mut()
                    .flat_map(|r| r.1.iter_mut())
                    .for_each(|x| *x = v(*x));
            }
            Chart::Lines { series, .. } => series.iter_mut().flat_map(|s| s.1.iter_mut()).for_each(|x| *x = v(*x)),
            Chart::Boxes { rows, .. } => rows.iter_mut().for_each(|r| {
                r.bands.iter_mut().for_each(|x| *x = v(*x));
                r.mean = v(r.mean);
            }),
            Chart::ChurnByScore { rates, .. } => rates.iter_mut().for_each(|r| {
                r.rate = v(r.rate);
                r.interval = r.interval.map(v);
            }),
            Chart::Response { points, .. } => points
                .iter_mut()
                .flatten()
                .for_each(|x| *x = if x.is_finite() { x.clamp(-1e30, 1e30) } else { *x }),
            Chart::Stacked { rows, .. } => rows.iter_mut().flat_map(|r| r.1.iter_mut()).for_each(|x| *x = v(*x)),
            Chart::Panels { rows, .. } => rows
                .iter_mut()
                .flat_map(|r| r.1.iter_mut())
                .flatten()
                .for_each(|x| *x = v(*x)),
        }
        c
    }

    /// Draws the chart on `root`.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&WHITE).map_err(err)?;
        match &self.within_axis_limit() {
            Chart::Fan {
                title,
                y_label,
                unit,
                panels,
                reference,
                zero_line,
            } => fan(root, title, (y_label, *unit), panels, reference.as_ref(), *zero_line),
            Chart::Lines {
                title,
                y_label,
                unit,
                series,
            } => lines(root, title, (y_label, *unit), series),
            Chart::Boxes {
                title,
                x_label,
                unit,
                rows,
                zero_line,
            } => boxes(root, title, (x_label, *unit), rows, *zero_line),
            Chart::ChurnByScore { title, rates } => churn_by_score(root, title, rates),
            Chart::Response { title, points } => response(root, title, points),
            Chart::Stacked { title, rows } => stacked(root, title, rows),
            Chart::Panels { title, measures, rows } => side_panels(root, title, measures, rows),
        }?;
        root.present().map_err(err)
    }
}

/// Columns of a fan chart of `n` panels: rows filled where possible, at most four columns.
fn fan_columns(n: usize) -> usize {
    match n {
        0..=3 => n.max(1),
        4 => 2,
        5 | 6 | 9 => 3,
        _ => 4,
    }
}

/// The month axis 0..n (plotters ticks it in round steps, e.g. 0, 20, ... 120; the right margin
/// of every month chart leaves room for the last label).
fn month_axis(months: usize) -> std::ops::Range<f64> {
    0.0..months.max(1) as f64
}

type MonthChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart over months `0..months` and values `lo..hi` with its mesh drawn: month ticks, the
/// y axis described and ticked by `ticks`; label areas and tick font size as given.
fn month_chart<'a, DB: DrawingBackend>(
    builder: &mut ChartBuilder<'a, '_, DB>,
    (months, lo, hi): (usize, f64, f64),
    (y_desc, ticks): (&str, &dyn Fn(&f64) -> String),
    (x_area, y_area, size): (u32, u32, u32),
) -> Result<MonthChart<'a, DB>, String> {
    let mut chart = builder
        .margin_right(22)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(month_axis(months), lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GREY_400.mix(0.4))
        .x_desc("month")
        .x_labels(7)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc(y_desc)
        .y_labels(5)
        .y_label_formatter(ticks)
        .label_style(font(size))
        .axis_desc_style(font(size))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

fn fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    (y_label, unit): (&str, Unit),
    panels: &[Panel],
    reference: Option<&(String, Vec<f64>)>,
    zero_line: bool,
) -> DrawResult {
    let root = titled(root, title)?;
    let (strip, root) = root.split_vertically(34);
    let neutral = GREY_800;
    let mut entries = vec![
        (Swatch::Line(neutral), "median".to_string()),
        (Swatch::Band(neutral), "50% and 90% of replications".to_string()),
    ];
    if let Some((name, _)) = reference {
        entries.push((Swatch::Dashed(GREY_600), name.clone()));
    }
    if panels.iter().any(|p| p.mark.is_some()) {
        entries.push((Swatch::Dashed(BLACK), "payback month".to_string()));
    }
    legend_row(&strip, (70, 14), &entries)?;
    let months = panels.iter().map(|p| p.bands.len()).max().unwrap_or(1).max(1);
    let all = panels.iter().flat_map(|p| p.bands.iter().flat_map(|q| [q[0], q[4]]));
    let (lo, hi) = span(
        all.chain(reference.iter().flat_map(|(_, r)| r.iter().copied())),
        zero_line,
    );
    let cols = fan_columns(panels.len());
    let rows = panels.len().div_ceil(cols).max(1);
    let areas = root.split_evenly((rows, cols));
    let ticks = format::ticks(unit, lo, hi, 5);
    let y_desc = match unit.suffix() {
        "" => y_label.to_string(),
        s => format!("{y_label} ({s})"),
    };
    for (panel, area) in panels.iter().zip(areas.iter()) {
        let c = panel.key.colour();
        let mut builder = ChartBuilder::on(area);
        builder.caption(&panel.key.label, font(16).color(&c)).margin(6);
        let mut chart = month_chart(&mut builder, (months, lo, hi), (&y_desc, &ticks), (40, 70, TICK - 1))?;
        let x = |t: usize| (t + 1) as f64;
        for (lo_q, hi_q, alpha) in [(0, 4, 0.18), (1, 3, 0.38)] {
            let mut pts: Vec<(f64, f64)> = panel.bands.iter().enumerate().map(|(t, q)| (x(t), q[hi_q])).collect();
            pts.extend(panel.bands.iter().enumerate().rev().map(|(t, q)| (x(t), q[lo_q])));
            chart
                .draw_series(std::iter::once(Polygon::new(pts, c.mix(alpha).filled())))
                .map_err(err)?;
        }
        if zero_line {
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.0), (months as f64, 0.0)],
                    BLACK.stroke_width(1),
                ))
                .map_err(err)?;
        }
        if let Some((_, r)) = reference {
            chart
                .draw_series(DashedLineSeries::new(
                    r.iter().enumerate().map(|(t, v)| (x(t), *v)),
                    6,
                    4,
                    GREY_600.stroke_width(2),
                ))
                .map_err(err)?;
        }
        chart
            .draw_series(LineSeries::new(
                panel.bands.iter().enumerate().map(|(t, q)| (x(t), q[2])),
                c.stroke_width(2),
            ))
            .map_err(err)?;
        if let Some(m) = panel.mark {
            let m = f64::from(m);
            chart
                .draw_series(DashedLineSeries::new([(m, lo), (m, hi)], 5, 4, BLACK.stroke_width(1)))
                .map_err(err)?;
            let (px, py) = chart.backend_coord(&(m, hi));
            let (x0, _) = chart.backend_coord(&(0.0, hi));
            let (x1, _) = chart.backend_coord(&(months as f64, hi));
            let left = px - x0 > (x1 - x0) / 2;
            let (hpos, dx) = if left { (HPos::Right, -4) } else { (HPos::Left, 4) };
            let base = area.get_base_pixel();
            area.draw(&Text::new(
                format!("month {m:.0}"),
                (px - base.0 + dx, py - base.1 + 4),
                font(TICK - 1).pos(Pos::new(hpos, VPos::Top)),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

fn lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    (y_label, unit): (&str, Unit),
    series: &[(Key, Vec<f64>, Option<u32>)],
) -> DrawResult {
    let root = titled(root, title)?;
    let w = root.dim_in_pixel().0;
    let (plot, side) = root.split_horizontally(w.saturating_sub(250));
    let months = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(1);
    let (lo, hi) = span(series.iter().flat_map(|s| s.1.iter().copied()), true);
    let ticks = format::ticks(unit, lo, hi, 6);
    let mut builder = ChartBuilder::on(&plot);
    builder.margin(10);
    let y_desc = format!("{y_label} ({})", unit.suffix());
    let mut chart = month_chart(&mut builder, (months, lo, hi), (&y_desc, &ticks), (45, 80, TICK))?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.0), (months as f64, 0.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
    for (key, values, mark) in series {
        let c = key.colour();
        chart
            .draw_series(LineSeries::new(
                values.iter().enumerate().map(|(t, v)| ((t + 1) as f64, *v)),
                c.stroke_width(3),
            ))
            .map_err(err)?;
        if let Some(m) = mark
            && let Some(v) = values.get(*m as usize - 1)
        {
            chart
                .draw_series([Circle::new((f64::from(*m), *v), 6, c.filled())])
                .map_err(err)?;
        }
    }
    let mut order: Vec<&(Key, Vec<f64>, Option<u32>)> = series.iter().collect();
    let last = |s: &(Key, Vec<f64>, Option<u32>)| s.1.last().copied().unwrap_or(f64::NAN);
    order.sort_by(|a, b| last(b).total_cmp(&last(a)));
    side.draw(&Text::new("at the horizon", (10, 14), grey(TICK)))
        .map_err(err)?;
    for (i, s) in order.iter().enumerate() {
        let y = 44 + 26 * i as i32;
        draw_swatch(&side, &Swatch::Line(s.0.colour()), (10, y))?;
        side.draw(&Text::new(
            format!("{} {}", s.0.label, format::delta(unit, last(s))),
            (36, y),
            font(TICK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    let y = 44 + 26 * order.len() as i32 + 10;
    draw_swatch(&side, &Swatch::Dot(GREY_800), (10, y))?;
    side.draw(&Text::new(
        "payback month",
        (36, y),
        font(TICK).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(err)?;
    Ok(())
}

/// Draws row names at integer y positions 0..n of a chart with a -0.5..n-0.5 y range.
pub(crate) fn row_axis<'a>(names: &'a [String]) -> impl Fn(&f64) -> String + 'a {
    move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}

/// Room for row labels of `names` at the tick font size (pixels).
fn label_room(names: &[String]) -> u32 {
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(4) as f64;
    (longest * 0.58 * TICK as f64 + 20.0).clamp(60.0, 260.0) as u32
}

fn boxes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    (x_label, unit): (&str, Unit),
    rows: &[BoxRow],
    zero_line: bool,
) -> DrawResult {
    let root = titled(root, title)?;
    let root = footnote(
        &root,
        "box: middle 50% of replications; whiskers: 5th-95th percentile; black bar: median; dot: mean",
    )?;
    let n = rows.len().max(1);
    let (lo, hi) = span(rows.iter().flat_map(|r| [r.bands[0], r.bands[4], r.mean]), zero_line);
    let names: Vec<String> = rows.iter().map(|r| r.key.label.clone()).collect();
    let notes = rows.iter().any(|r| r.note.is_some());
    let ticks = format::ticks(unit, lo, hi, 6);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(if notes { 150 } else { 24 })
        .x_label_area_size(50)
        .y_label_area_size(label_room(&names))
        .build_cartesian_2d(lo..hi, (n as f64 - 0.5)..-0.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GREY_400.mix(0.4))
        .x_desc(format!("{x_label} ({})", unit.suffix()))
        .x_label_formatter(&ticks)
        .y_labels(n)
        .y_label_formatter(&row_axis(&names))
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
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
    for (i, row) in rows.iter().enumerate() {
        let (b, y, c) = (row.bands, i as f64, row.key.colour());
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
            .draw_series([Circle::new((row.mean, y), 4, BLACK.filled())])
            .map_err(err)?;
        if let Some(note) = &row.note {
            let (px, py) = chart.backend_coord(&(hi, y));
            let base = root.get_base_pixel();
            root.draw(&Text::new(
                note.clone(),
                (px - base.0 + 12, py - base.1),
                font(TICK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

fn churn_by_score<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    rates: &[ScoreRate; 5],
) -> DrawResult {
    let root = titled(root, title)?;
    let root = footnote(
        &root,
        &format!(
            "bar: annual churn of customers with that last score, pooled over replications; whisker: 95% interval; \
             below: customer-years it rests on. Hollow: fewer than {} leavers, no interval",
            ScoreRate::MIN_CHURNERS
        ),
    )?;
    let solid = |r: &ScoreRate| r.rate.is_finite() && r.interval[0].is_finite();
    // The axis follows the rates that rest on enough leavers.
    let hi = (rates.iter().filter(|r| solid(r)).map(|r| r.rate).fold(0.05, f64::max) * 1.45 * 100.0).min(100.0);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_top(30)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.5f64..5.5, 0f64..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GREY_400.mix(0.4))
        .x_desc("last reported satisfaction score (1-5), and the customer-years each rate rests on")
        .y_desc("annual churn (%)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_labels(5)
        .x_label_formatter(&|v| {
            let k = (v.round() as usize).clamp(1, 5);
            format!(
                "{k}: {} cust.-years",
                format::value(Unit::Count, rates[k - 1].customer_years)
            )
        })
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
        .disable_x_mesh()
        .draw()
        .map_err(err)?;
    let zones = [
        (0.5, 2.5, RGBColor(214, 39, 40), "defection zone"),
        (2.5, 4.5, RGBColor(110, 110, 110), "indifference zone"),
        (4.5, 5.5, RGBColor(44, 140, 44), "affection zone"),
    ];
    for (a, b, c, name) in zones {
        chart
            .draw_series([Rectangle::new([(a, 0.0), (b, hi)], c.mix(0.07).filled())])
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                name,
                ((a + b) / 2.0, hi),
                (FONT, 16)
                    .into_font()
                    .color(&c)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            )])
            .map_err(err)?;
    }
    let bar = RGBColor(70, 110, 160);
    let top = hi * 0.97;
    for (k, r) in rates.iter().enumerate() {
        let x = k as f64 + 1.0;
        if !r.rate.is_finite() {
            continue;
        }
        let m = (r.rate * 100.0).min(top);
        if solid(r) {
            chart
                .draw_series([Rectangle::new([(x - 0.3, 0.0), (x + 0.3, m)], bar.mix(0.85).filled())])
                .map_err(err)?;
            let (a, b) = (r.interval[0] * 100.0, (r.interval[1] * 100.0).min(top));
            chart
                .draw_series([
                    PathElement::new(vec![(x, a), (x, b)], BLACK.stroke_width(2)),
                    PathElement::new(vec![(x - 0.07, a), (x + 0.07, a)], BLACK.stroke_width(2)),
                    PathElement::new(vec![(x - 0.07, b), (x + 0.07, b)], BLACK.stroke_width(2)),
                ])
                .map_err(err)?;
        } else {
            chart
                .draw_series([Rectangle::new([(x - 0.3, 0.0), (x + 0.3, m)], bar.stroke_width(2))])
                .map_err(err)?;
        }
        let label = if solid(r) {
            format::value(Unit::Share, r.rate)
        } else {
            format!("{} leavers", r.churners)
        };
        chart
            .draw_series([Text::new(
                label,
                (x + 0.1, m),
                font(LABEL).pos(Pos::new(HPos::Left, VPos::Bottom)),
            )])
            .map_err(err)?;
    }
    Ok(())
}

fn response<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, points: &[[f32; 2]]) -> DrawResult {
    let root = titled(root, title)?;
    let root = footnote(
        &root,
        "shade: how many sampled encounters fall in each cell (darker = more); line: mean response per bin",
    )?;
    let pts: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (f64::from(p[0]), f64::from(p[1])))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let xs = sorted_finite(pts.iter().map(|p| p.0));
    // The axis covers the data (all but the 2% of encounters furthest below the zone), rounded out to quarters, and always the zone.
    let x0 = (quantile_sorted(&xs, 0.02).min(0.0) * 4.0).floor() / 4.0 - 0.25;
    let x1 = (quantile_sorted(&xs, 0.995).max(1.0) * 4.0).ceil() / 4.0 + 0.25;
    let (x0, x1) = if x0.is_finite() && x1.is_finite() {
        (x0, x1)
    } else {
        (-1.0, 2.0)
    };
    let inside: Vec<(f64, f64)> = pts.into_iter().filter(|(x, _)| (x0..=x1).contains(x)).collect();
    let (lo, hi) = span(inside.iter().map(|p| p.1), true);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(55)
        .y_label_area_size(75)
        .build_cartesian_2d(x0..x1, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GREY_400.mix(0.4))
        .x_desc("delivered quality relative to the customer's zone of tolerance (0 = adequate, 1 = desired)")
        .y_desc("satisfaction response (points)")
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
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
            (0.5, hi - (hi - lo) * 0.03),
            (FONT, 16)
                .into_font()
                .color(&GREY_800)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        )])
        .map_err(err)?;
    // Density: encounters counted on a grid, so the picture stays light however many are sampled.
    let (nx, ny) = (90usize, 50usize);
    let (wx, wy) = ((x1 - x0) / nx as f64, (hi - lo) / ny as f64);
    let mut grid = vec![0u32; nx * ny];
    for &(x, y) in &inside {
        let i = (((x - x0) / wx) as usize).min(nx - 1);
        let j = (((y - lo) / wy) as usize).min(ny - 1);
        grid[j * nx + i] += 1;
    }
    let most = f64::from(grid.iter().copied().max().unwrap_or(1).max(1));
    let dots = colour(0);
    chart
        .draw_series(grid.iter().enumerate().filter(|(_, c)| **c > 0).map(|(k, c)| {
            let (i, j) = ((k % nx) as f64, (k / nx) as f64);
            let shade = 0.2 + 0.8 * f64::from(*c).ln_1p() / most.ln_1p();
            Rectangle::new(
                [(x0 + i * wx, lo + j * wy), (x0 + (i + 1.0) * wx, lo + (j + 1.0) * wy)],
                dots.mix(shade).filled(),
            )
        }))
        .map_err(err)?;
    let bins = 40;
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
    let red = RGBColor(214, 39, 40);
    chart
        .draw_series(LineSeries::new(mean_line, red.stroke_width(3)))
        .map_err(err)?;
    let (strip_x, strip_y) = chart.backend_coord(&(x0, hi));
    let base = root.get_base_pixel();
    legend_row(
        &root,
        (strip_x - base.0 + 14, strip_y - base.1 + 18),
        &[
            (Swatch::Band(dots), "sampled encounters".to_string()),
            (Swatch::Line(red), "mean response".to_string()),
        ],
    )
}

const SCORE_COLOURS: [RGBColor; 5] = [
    RGBColor(202, 0, 32),
    RGBColor(244, 165, 130),
    RGBColor(200, 200, 200),
    RGBColor(146, 197, 222),
    RGBColor(5, 113, 176),
];

fn stacked<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, rows: &[(Key, [f64; 5])]) -> DrawResult {
    let root = titled(root, title)?;
    let (strip, root) = root.split_vertically(34);
    let entries: Vec<(Swatch, String)> = SCORE_COLOURS
        .iter()
        .enumerate()
        .map(|(k, c)| (Swatch::Band(*c), format!("last score {}", k + 1)))
        .collect();
    // Full-strength swatches: the legend repeats the bars' colours.
    let mut x = 90;
    for (k, (_, text)) in entries.iter().enumerate() {
        strip
            .draw(&Rectangle::new([(x, 8), (x + 20, 22)], SCORE_COLOURS[k].filled()))
            .map_err(err)?;
        strip
            .draw(&Text::new(
                text.clone(),
                (x + 26, 15),
                font(TICK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
        x += 150;
    }
    let n = rows.len().max(1);
    let names: Vec<String> = rows.iter().map(|r| r.0.label.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(110)
        .x_label_area_size(50)
        .y_label_area_size(label_room(&names))
        .build_cartesian_2d(0f64..100.0, (n as f64 - 0.5)..-0.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GREY_400.mix(0.4))
        .x_desc("share of churners (%), by the last score they reported")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(n)
        .y_label_formatter(&row_axis(&names))
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
        .disable_y_mesh()
        .draw()
        .map_err(err)?;
    let base = root.get_base_pixel();
    for (i, (_, shares)) in rows.iter().enumerate() {
        let y = i as f64;
        let mut x = 0.0;
        let mut satisfied_from = 100.0;
        for (k, s) in shares.iter().enumerate() {
            let w = if s.is_finite() { s * 100.0 } else { 0.0 };
            if k == 3 {
                satisfied_from = x;
            }
            chart
                .draw_series([Rectangle::new(
                    [(x, y - 0.33), (x + w, y + 0.33)],
                    SCORE_COLOURS[k].filled(),
                )])
                .map_err(err)?;
            if w >= 2.5 {
                let size = if w >= 6.0 { 13 } else { 11 };
                let ink = if k == 0 || k == 4 { WHITE } else { BLACK };
                chart
                    .draw_series([Text::new(
                        format!("{w:.0}%"),
                        (x + w / 2.0, y),
                        (FONT, size)
                            .into_font()
                            .color(&ink)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )])
                    .map_err(err)?;
            }
            x += w;
        }
        // The satisfied churners: a bracket over the 4s and 5s and their total at the right.
        let satisfied = shares[3] + shares[4];
        if satisfied.is_finite() {
            chart
                .draw_series([PathElement::new(
                    vec![
                        (satisfied_from, y - 0.36),
                        (satisfied_from, y - 0.42),
                        (x, y - 0.42),
                        (x, y - 0.36),
                    ],
                    BLACK.stroke_width(1),
                )])
                .map_err(err)?;
            let (px, py) = chart.backend_coord(&(100.0, y));
            root.draw(&Text::new(
                format!("4+5: {}", format::value(Unit::Share, satisfied)),
                (px - base.0 + 10, py - base.1),
                font(TICK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

fn side_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    measures: &[(String, Unit)],
    rows: &[(Key, Vec<Interval>)],
) -> DrawResult {
    let root = titled(root, title)?;
    let n = rows.len().max(1);
    let names: Vec<String> = rows.iter().map(|r| r.0.label.clone()).collect();
    let cols = measures.len().clamp(1, 3);
    let grid = measures.len().div_ceil(cols).max(1);
    let room = label_room(&names);
    let (labels, panels) = root.split_horizontally(room);
    let areas = panels.split_evenly((grid, cols));
    for (m, ((measure, unit), area)) in measures.iter().zip(areas.iter()).enumerate() {
        let (lo, hi) = span(rows.iter().flat_map(|r| [r.1[m][1], r.1[m][2], r.1[m][0]]), true);
        let ticks = format::ticks(*unit, lo, hi, 3);
        let caption = match unit.delta_suffix() {
            "" => measure.clone(),
            s => format!("{measure} ({s})"),
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, font(LABEL))
            .margin(8)
            .margin_right(18)
            .x_label_area_size(30)
            .y_label_area_size(6)
            .build_cartesian_2d(lo..hi, (n as f64 - 0.5)..-0.5)
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GREY_400.mix(0.4))
            .x_labels(4)
            .x_label_formatter(&ticks)
            .y_labels(0)
            .label_style(font(TICK - 1))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
        for (i, (key, values)) in rows.iter().enumerate() {
            let [v, a, b] = values[m];
            let y = i as f64;
            if v.is_finite() {
                chart
                    .draw_series([Rectangle::new([(0.0, y - 0.3), (v, y + 0.3)], key.colour().filled())])
                    .map_err(err)?;
            }
            if a.is_finite() && b.is_finite() {
                chart
                    .draw_series([
                        PathElement::new(vec![(a, y), (b, y)], BLACK.stroke_width(1)),
                        PathElement::new(vec![(a, y - 0.15), (a, y + 0.15)], BLACK.stroke_width(1)),
                        PathElement::new(vec![(b, y - 0.15), (b, y + 0.15)], BLACK.stroke_width(1)),
                    ])
                    .map_err(err)?;
            }
        }
        // Row labels once per grid row, in the strip left of the panels.
        if m % cols == 0 {
            for (i, name) in names.iter().enumerate() {
                let (_, py) = chart.backend_coord(&(lo, i as f64));
                let base = labels.get_base_pixel();
                labels
                    .draw(&Text::new(
                        name.clone(),
                        (room as i32 - 8, py - base.1),
                        font(TICK).pos(Pos::new(HPos::Right, VPos::Center)),
                    ))
                    .map_err(err)?;
            }
        }
    }
    Ok(())
}
