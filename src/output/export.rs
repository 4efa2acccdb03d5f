//! Exports for spreadsheet users: every table spc writes as CSV is a [`Sheet`], and the same
//! sheets go into one workbook, `results.xlsx`, so a CSV file and its sheet never disagree.
//!
//! - `replications.csv`, `monthly.csv`: the run files of MODEL.md section 5;
//! - `yearly.csv`: per scenario, year and P&L item (customers, revenue, each cost line, profit),
//!   mean and quantiles over replications;
//! - `inputs.csv`: per scenario and replication, the value every uncertain key drew;
//! - with `spc compare`: `comparison.csv` (tidy: one row per alternative and metric, the chain's
//!   links first) and `monthly_differences.csv` (per alternative and month, the paired
//!   differences behind the J-curves);
//! - `results.xlsx`: those sheets, and a `summary` sheet of `summary.json`'s statistics.
//!
//! Numbers keep full precision (CSV: the shortest form that reads back to the same `f64`);
//! a value with nothing to measure is an empty cell. The workbook records a fixed creation date,
//! so the same results give the same bytes (a merged run of shards equals the unsharded one).

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::compare::Comparison;
use crate::error::{Error, Result};
use crate::experiment::{Replication, RunResult, ScenarioRun};
use crate::metrics::{Metric, MonthRow, Series};
use crate::model::finance::Ledger;
use crate::output::compare::CHAIN;
use crate::scenario::Scenario;
use crate::stats::five;

/// One cell of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number; not finite means nothing to measure (an empty cell).
    Num(f64),
    /// A whole number (replication, month, year).
    Int(u64),
}

impl Cell {
    /// The cell as written in CSV: numbers in their shortest round-trip form, empty for NaN.
    fn csv(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Num(v) if v.is_finite() => format!("{v}"),
            Cell::Num(_) => String::new(),
            Cell::Int(n) => n.to_string(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

/// A table written as `NAME.csv` and as the sheet `NAME` of `results.xlsx`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// File stem and sheet name.
    pub name: &'static str,
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<Cell>>,
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

impl Sheet {
    fn new(name: &'static str, header: Vec<String>) -> Sheet {
        Sheet {
            name,
            header,
            rows: Vec::new(),
        }
    }

    /// Writes the sheet as `dir/NAME.csv`.
    pub fn write_csv(&self, dir: &Path) -> Result<()> {
        let path = dir.join(format!("{}.csv", self.name));
        let mut w = csv::Writer::from_path(&path).map_err(|e| write_err(&path, e))?;
        w.write_record(&self.header).map_err(|e| write_err(&path, e))?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::csv))
                .map_err(|e| write_err(&path, e))?;
        }
        w.flush().map_err(|source| Error::Write { path, source })
    }
}

/// The creation date the workbook records: fixed, so equal results give equal bytes.
const CREATED: (u16, u8, u8) = (2000, 1, 1);

/// Writes `sheets` as one workbook at `path`: a bold, frozen header row on each sheet.
pub fn write_workbook(sheets: &[&Sheet], path: &Path) -> Result<()> {
    let err = |e: rust_xlsxwriter::XlsxError| write_err(path, e);
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(CREATED.0, CREATED.1, CREATED.2).map_err(err)?;
    book.set_properties(
        &DocProperties::new()
            .set_title("spc results")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name).map_err(err)?;
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => ws.write_string(r, c, t).map(|_| ()),
                    Cell::Num(v) if v.is_finite() => ws.write_number(r, c, *v).map(|_| ()),
                    Cell::Num(_) => Ok(()),
                    Cell::Int(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                }
                .map_err(err)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
    }
    book.save(path).map_err(err)
}

/// Names of the quantile columns written per series and statistic, matching [`crate::stats::FIVE`].
pub const QUANTILES: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

/// The header cells of a mean and the quantiles of `stem`: `STEM_mean`, `STEM_p5`, ...
fn quantile_header(stem: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(format!("{stem}_mean")).chain(QUANTILES.iter().map(move |q| format!("{stem}_{q}")))
}

/// The mean and quantiles of `values` as cells.
fn quantile_cells(values: impl Iterator<Item = f64>) -> impl Iterator<Item = Cell> {
    let (mean, q) = five(values);
    std::iter::once(Cell::Num(mean)).chain(q.into_iter().map(Cell::Num))
}

/// `replications.csv`: one row per scenario and replication, every metric as a column.
pub fn replications(result: &RunResult) -> Sheet {
    let mut header = vec!["scenario".to_string(), "replication".to_string()];
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    let mut sheet = Sheet::new("replications", header);
    for run in &result.scenarios {
        for (r, rep) in run.replications.iter().enumerate() {
            let mut row = vec![Cell::Text(run.scenario.name.clone()), Cell::Int(r as u64)];
            row.extend(rep.metrics.values().into_iter().map(Cell::Num));
            sheet.rows.push(row);
        }
    }
    sheet
}

/// Rows of per-month statistics over replications: the `key` cells, the month (1-based), then
/// the mean and quantiles of every series of `value(replication, month, series)`.
fn monthly_rows(
    sheet: &mut Sheet,
    key: &[Cell],
    months: usize,
    reps: usize,
    value: &dyn Fn(usize, usize, Series) -> f64,
) {
    for month in 0..months {
        let mut row = key.to_vec();
        row.push(Cell::Int(month as u64 + 1));
        for s in Series::ALL {
            row.extend(quantile_cells((0..reps).map(|r| value(r, month, s))));
        }
        sheet.rows.push(row);
    }
}

fn monthly_header(key: &[&str]) -> Vec<String> {
    let mut header: Vec<String> = key.iter().map(|k| k.to_string()).collect();
    header.push("month".into());
    for s in Series::ALL {
        header.extend(quantile_header(s.name()));
    }
    header
}

/// `monthly.csv`: one row per scenario and month, mean and quantiles of every series.
pub fn monthly(result: &RunResult) -> Sheet {
    let mut sheet = Sheet::new("monthly", monthly_header(&["scenario"]));
    for run in &result.scenarios {
        let rows = |r: usize, t: usize, s: Series| s.of(&run.replications[r].monthly[t]);
        let key = [Cell::Text(run.scenario.name.clone())];
        monthly_rows(
            &mut sheet,
            &key,
            run.scenario.months as usize,
            run.replications.len(),
            &rows,
        );
    }
    sheet
}

/// One line of a month's [`Ledger`] (EUR).
type LedgerLine = fn(&Ledger) -> f64;

/// The items of the yearly P&L, in statement order: end-of-year customers, revenue, each cost
/// line of the [`Ledger`], total cost, profit.
const PNL: [(&str, LedgerLine); 11] = [
    ("revenue", |l| l.revenue),
    ("cost_to_serve", |l| l.cost_to_serve),
    ("complaint_handling", |l| l.complaint_handling),
    ("acquisition", |l| l.acquisition),
    ("marketing", |l| l.marketing),
    ("salaries", |l| l.salaries),
    ("hiring", |l| l.hiring),
    ("investment", |l| l.investment),
    ("overhead", |l| l.overhead),
    ("total_cost", Ledger::costs),
    ("profit", Ledger::profit),
];

/// One replication's value of P&L item `item` (an index into `customers` + [`PNL`]) over `months`.
fn year_value(months: &[MonthRow], item: usize) -> f64 {
    match item.checked_sub(1) {
        None => months.last().map_or(f64::NAN, |m| m.active_customers),
        Some(k) => months.iter().map(|m| PNL[k].1(&m.ledger)).sum(),
    }
}

/// `yearly.csv`: one row per scenario, year and item (`customers` at the year's end, then the
/// P&L lines summed over the year, EUR): mean and quantiles over replications. A last year
/// shorter than 12 months says so in `months`.
pub fn yearly(result: &RunResult) -> Sheet {
    let mut header: Vec<String> = ["scenario", "year", "months", "item"].map(String::from).to_vec();
    header.push("mean".into());
    header.extend(QUANTILES.iter().map(|q| q.to_string()));
    let mut sheet = Sheet::new("yearly", header);
    let items: Vec<&str> = std::iter::once("customers").chain(PNL.iter().map(|p| p.0)).collect();
    for run in &result.scenarios {
        let months = run.scenario.months as usize;
        for (y, start) in (0..months).step_by(12).enumerate() {
            let end = (start + 12).min(months);
            for (item, name) in items.iter().enumerate() {
                let mut row = vec![
                    Cell::Text(run.scenario.name.clone()),
                    Cell::Int(y as u64 + 1),
                    Cell::Int((end - start) as u64),
                    Cell::from(*name),
                ];
                row.extend(quantile_cells(
                    run.replications
                        .iter()
                        .map(|r| year_value(&r.monthly[start..end], item)),
                ));
                sheet.rows.push(row);
            }
        }
    }
    sheet
}

/// Every key a scenario declares uncertain, with its value in replication `r` under `seed`:
/// parameters by key, lever steps as `levers.NAME` (first step) or `levers.NAME[i]`.
fn uncertain_draws(s: &Scenario, seed: u64, r: u64) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let _ = s.levers.try_map::<(), ()>(|name, _, lever| {
        for (i, (_, p)) in lever.steps().iter().enumerate().filter(|(_, (_, p))| p.is_uncertain()) {
            let key = if i == 0 {
                format!("levers.{name}")
            } else {
                format!("levers.{name}[{i}]")
            };
            out.push((key, p.draw(seed, r)));
        }
        Ok(())
    });
    let _ = s.params.try_map::<(), ()>(|key, _, p| {
        if p.is_uncertain() {
            out.push((key.to_string(), p.draw(seed, r)));
        }
        Ok(())
    });
    out
}

/// `inputs.csv`: one row per scenario and replication, the value every uncertain key drew (a
/// column per key uncertain in any scenario; empty where a scenario holds that key fixed).
pub fn inputs(result: &RunResult) -> Sheet {
    let seed = result.options.seed;
    let draws: Vec<Vec<Vec<(String, f64)>>> = result
        .scenarios
        .iter()
        .map(|run| {
            (0..run.replications.len() as u64)
                .map(|r| uncertain_draws(&run.scenario, seed, r))
                .collect()
        })
        .collect();
    let mut keys: Vec<String> = Vec::new();
    for (key, _) in draws.iter().filter_map(|d| d.first()).flatten() {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    let mut header = vec!["scenario".to_string(), "replication".to_string()];
    header.extend(keys.iter().cloned());
    let mut sheet = Sheet::new("inputs", header);
    for (run, reps) in result.scenarios.iter().zip(&draws) {
        for (r, drawn) in reps.iter().enumerate() {
            let mut row = vec![Cell::Text(run.scenario.name.clone()), Cell::Int(r as u64)];
            row.extend(
                keys.iter()
                    .map(|k| Cell::Num(drawn.iter().find(|(d, _)| d == k).map_or(f64::NAN, |(_, v)| *v))),
            );
            sheet.rows.push(row);
        }
    }
    sheet
}

/// The `summary` sheet: per scenario and metric, the statistics of `summary.json`.
pub fn summary(result: &RunResult) -> Sheet {
    let header = [
        "scenario",
        "metric",
        "mean",
        "sd",
        "p5",
        "p50",
        "p95",
        "ci95_low",
        "ci95_high",
    ];
    let mut sheet = Sheet::new("summary", header.map(String::from).to_vec());
    for run in &result.scenarios {
        for &m in Metric::ALL {
            let s = run.summary(m);
            let mut row = vec![Cell::Text(run.scenario.name.clone()), Cell::from(m.name())];
            row.extend([s.mean, s.sd, s.p5, s.p50, s.p95, s.ci95[0], s.ci95[1]].map(Cell::Num));
            sheet.rows.push(row);
        }
    }
    sheet
}

/// Share of replications in which `values` is above zero (undefined values left out).
fn share_positive(values: impl Iterator<Item = f64>) -> f64 {
    let (up, n) = values
        .filter(|v| !v.is_nan())
        .fold((0usize, 0usize), |(u, n), v| (u + usize::from(v > 0.0), n + 1));
    if n == 0 { f64::NAN } else { up as f64 / n as f64 }
}

/// Column names of `comparison.csv`.
pub const COMPARISON_COLUMNS: [&str; 10] = [
    "baseline",
    "alternative",
    "metric",
    "chain",
    "baseline_mean",
    "alternative_mean",
    "difference",
    "ci95_low",
    "ci95_high",
    "share_positive",
];

/// The per-alternative decision figures closing each alternative's rows of `comparison.csv`
/// (their value in `difference`, the other columns empty).
pub const DECISION_ROWS: [&str; 4] = ["p_better", "incremental_investment", "roi", "payback_month"];

/// `comparison.csv`: one row per alternative and metric: both means, the mean paired
/// difference with its 95% interval and the share of replications in which the difference is
/// positive. The chain's links come first (`chain` names the link), then every other metric,
/// then the decision figures of [`DECISION_ROWS`].
pub fn comparison(result: &RunResult, c: &Comparison) -> Sheet {
    let mut sheet = Sheet::new("comparison", COMPARISON_COLUMNS.map(String::from).to_vec());
    let base = &result.scenarios[0];
    let chain: Vec<Metric> = CHAIN.iter().map(|l| l.metric).collect();
    let order = chain
        .iter()
        .copied()
        .chain(Metric::ALL.iter().copied().filter(|m| !chain.contains(m)));
    for (alt, a) in result.scenarios[1..].iter().zip(&c.comparisons) {
        let names = [Cell::Text(c.baseline.clone()), Cell::Text(a.scenario.clone())];
        for m in order.clone() {
            let d = a.delta(m);
            let link = CHAIN.iter().find(|l| l.metric == m).map_or("", |l| l.header);
            let mut row = names.to_vec();
            row.extend([Cell::from(m.name()), Cell::from(link)]);
            row.extend(
                [
                    base.summary(m).mean,
                    alt.summary(m).mean,
                    d.mean,
                    d.ci95[0],
                    d.ci95[1],
                    share_positive(alt.metric(m).zip(base.metric(m)).map(|(x, y)| x - y)),
                ]
                .map(Cell::Num),
            );
            sheet.rows.push(row);
        }
        let payback = a.payback_month.map_or(f64::NAN, f64::from);
        let values = [a.p_better, a.incremental_investment, a.roi.unwrap_or(f64::NAN), payback];
        for (name, v) in DECISION_ROWS.iter().zip(values) {
            let mut row = names.to_vec();
            row.extend([
                Cell::from(*name),
                Cell::from(""),
                Cell::Num(f64::NAN),
                Cell::Num(f64::NAN),
            ]);
            row.extend([
                Cell::Num(v),
                Cell::Num(f64::NAN),
                Cell::Num(f64::NAN),
                Cell::Num(f64::NAN),
            ]);
            sheet.rows.push(row);
        }
    }
    sheet
}

/// `monthly_differences.csv`: per alternative and month, the mean and quantiles over
/// replications of the paired difference (alternative minus baseline, same replication) of
/// every monthly series; `cumulative_profit_p50` is the J-curve.
pub fn monthly_differences(result: &RunResult) -> Sheet {
    let mut sheet = Sheet::new("monthly_differences", monthly_header(&["baseline", "alternative"]));
    let base: &ScenarioRun = &result.scenarios[0];
    for alt in &result.scenarios[1..] {
        let months = base.scenario.months.min(alt.scenario.months) as usize;
        let pair = |r: usize| -> (&Replication, &Replication) { (&alt.replications[r], &base.replications[r]) };
        let diff = |r: usize, t: usize, s: Series| {
            let (a, b) = pair(r);
            s.of(&a.monthly[t]) - s.of(&b.monthly[t])
        };
        let key = [
            Cell::Text(base.scenario.name.clone()),
            Cell::Text(alt.scenario.name.clone()),
        ];
        monthly_rows(&mut sheet, &key, months, base.replications.len(), &diff);
    }
    sheet
}

/// The sheets of a run, as CSV files and workbook sheets, with a comparison's if one is given.
pub fn sheets(result: &RunResult, c: Option<&Comparison>) -> Vec<Sheet> {
    let mut out = Vec::new();
    if let Some(c) = c {
        out.push(comparison(result, c));
        out.push(monthly_differences(result));
    }
    out.extend([yearly(result), inputs(result), replications(result), monthly(result)]);
    out
}

/// Writes every sheet of [`sheets`] as CSV into `dir`, and `results.xlsx` with them and the
/// `summary` sheet.
pub fn write(result: &RunResult, c: Option<&Comparison>, dir: &Path) -> Result<()> {
    let sheets = sheets(result, c);
    for s in &sheets {
        s.write_csv(dir)?;
    }
    // The comparison's sheets first, then the summary, then the run's.
    let summary = summary(result);
    let (compared, run) = sheets.split_at(if c.is_some() { 2 } else { 0 });
    let book: Vec<&Sheet> = compared.iter().chain([&summary]).chain(run).collect();
    write_workbook(&book, &dir.join("results.xlsx"))
}
