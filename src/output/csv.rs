//! `replications.csv` (one row per scenario and replication) and `monthly.csv`
//! (one row per scenario and month, with quantiles over replications).

use std::path::Path;

use crate::error::{Error, Result};
use crate::experiment::RunResult;
use crate::metrics::{Metric, Series};
use crate::stats::five;

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    }
}

/// Formats a value for CSV: shortest round-trip form, empty for NaN.
fn num(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { String::new() }
}

/// Writes one row per scenario and replication, the metrics as columns.
pub fn write_replications(result: &RunResult, path: &Path) -> Result<()> {
    let err = csv_err(path);
    let mut w = csv::Writer::from_path(path).map_err(&err)?;
    let mut header = vec!["scenario".to_string(), "replication".to_string()];
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    w.write_record(&header).map_err(&err)?;
    for run in &result.scenarios {
        for (r, rep) in run.replications.iter().enumerate() {
            let mut row = vec![run.scenario.name.clone(), r.to_string()];
            row.extend(rep.metrics.values().into_iter().map(num));
            w.write_record(&row).map_err(&err)?;
        }
    }
    w.flush().map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Names of the quantile columns written per series in `monthly.csv`, matching [`crate::stats::FIVE`].
pub const MONTHLY_QUANTILES: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

/// Writes one row per scenario and month: mean and quantiles of each series.
pub fn write_monthly(result: &RunResult, path: &Path) -> Result<()> {
    let err = csv_err(path);
    let mut w = csv::Writer::from_path(path).map_err(&err)?;
    let mut header = vec!["scenario".to_string(), "month".to_string()];
    for s in Series::ALL {
        header.push(format!("{}_mean", s.name()));
        header.extend(MONTHLY_QUANTILES.iter().map(|q| format!("{}_{q}", s.name())));
    }
    w.write_record(&header).map_err(&err)?;
    for run in &result.scenarios {
        for month in 0..run.scenario.months as usize {
            let mut row = vec![run.scenario.name.clone(), (month + 1).to_string()];
            for s in Series::ALL {
                let (mean, q) = five(run.replications.iter().map(|r| s.of(&r.monthly[month])));
                row.push(num(mean));
                row.extend(q.into_iter().map(num));
            }
            w.write_record(&row).map_err(&err)?;
        }
    }
    w.flush().map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}
