//! `spc sweep`: every metric over a full factorial grid, a Latin hypercube or
//! Sobol' points of scenario keys, with replications on common random numbers.
//!
//! Writes `sweep.csv` (one row per point and replication: `point`, every varied
//! key, `replication`, every metric) and `sweep_summary.csv` (one row per point:
//! every key, then mean and 95% interval of every metric).

use std::path::Path;

use super::design::{Factor, Method, ParamsFile, Spread, allowed_ranges};
use super::{Arms, Points, Row, num, sample, write_csv, write_runs};
use crate::error::{Error, Result, Usage};
use crate::experiment::{Observe, RunOptions};
use crate::metrics::Metric;
use crate::scenario::Scenario;
use crate::stats::Summary;

/// A finished sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The points.
    pub points: Points,
    /// Per point, per replication: every metric.
    pub rows: Vec<Vec<Row>>,
}

/// Reads a grid `key=v1,v2,...` against `scenario`.
pub fn grid_arg(scenario: &Scenario, arg: &str) -> Result<(Factor, Vec<f64>)> {
    let err = |message: String| {
        Error::Usage(Usage::Grid {
            arg: arg.to_string(),
            message,
        })
    };
    let (key, values) = arg
        .split_once('=')
        .ok_or_else(|| err("expected key=v1,v2,...".into()))?;
    let key = key.trim().to_string();
    let values: Vec<f64> = values
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| err(format!("`{}` is not a number", v.trim())))
        })
        .collect::<Result<_>>()?;
    let allowed = allowed_ranges(scenario)
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, r)| r)
        .ok_or_else(|| err(format!("`{key}` is not a numeric key of scenario `{}`", scenario.name)))?;
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let factor = Factor {
        key,
        spread: Spread::Range {
            min: lo,
            max: hi,
            step: None,
        },
        allowed,
        per: None,
    };
    for &v in &values {
        if !v.is_finite() || v < allowed.0 || v > allowed.1 {
            return Err(err(format!(
                "{v} is outside the allowed range {} to {}",
                allowed.0, allowed.1
            )));
        }
        scenario.edited(&[factor.edit(v)]).map_err(|e| err(e.to_string()))?;
    }
    Ok((factor, values))
}

/// The full factorial of `levels` (the first key varies slowest).
pub fn factorial(levels: &[(Factor, Vec<f64>)]) -> Points {
    let mut values: Vec<Vec<f64>> = vec![Vec::new()];
    for (_, lv) in levels {
        values = values
            .into_iter()
            .flat_map(|p| {
                lv.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push(v);
                    q
                })
            })
            .collect();
    }
    Points {
        factors: levels.iter().map(|(f, _)| f.clone()).collect(),
        values,
    }
}

/// The points of a design file (`[design]` method and points; grid by default).
pub fn file_points(file: &ParamsFile, seed: u64) -> Result<Points> {
    let spec = file.design.unwrap_or(super::design::DesignSpec {
        method: Method::Grid,
        points: 3,
    });
    let k = file.factors.len();
    Ok(match spec.method {
        Method::Grid => factorial(
            &file
                .factors
                .iter()
                .map(|f| (f.clone(), f.levels(spec.points)))
                .collect::<Vec<_>>(),
        ),
        Method::Lhs => Points::from_unit(&file.factors, &sample::latin_hypercube(spec.points, k, seed)),
        Method::Sobol => {
            if k > sample::sobol_max_dims() {
                return Err(Error::Options(format!(
                    "{}: a Sobol' design supports at most {} keys, got {k}",
                    file.path.display(),
                    sample::sobol_max_dims()
                )));
            }
            Points::from_unit(&file.factors, &sample::sobol(spec.points, k))
        }
    })
}

/// Runs every point of `points` on `scenario`.
pub fn run(scenario: &Scenario, points: Points, options: &RunOptions, observer: &dyn Observe) -> Result<Sweep> {
    let arms = Arms {
        scenario,
        alternative: None,
    };
    let rows = points.evaluate(arms, options, observer)?;
    Ok(Sweep { points, rows })
}

impl Points {
    /// The sweep of these points from the merged `result` of their design.
    pub fn sweep(self, result: &crate::experiment::RunResult) -> Result<Sweep> {
        if result.scenarios.len() != self.values.len() {
            return Err(Error::Options(format!(
                "the shards hold {} variants; the sweep has {} points",
                result.scenarios.len(),
                self.values.len()
            )));
        }
        let rows = self.rows_of(1, result);
        Ok(Sweep { points: self, rows })
    }
}

impl Sweep {
    /// The summary of `metric` at point `p` over replications.
    pub fn summary(&self, p: usize, metric: Metric) -> Summary {
        Summary::of(self.rows[p].iter().map(|r| r[metric as usize]))
    }

    /// Writes `sweep.csv` and `sweep_summary.csv` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_runs(&dir.join("sweep.csv"), "point", &self.points, &self.rows)?;
        let mut header = vec!["point".to_string()];
        header.extend(self.points.factors.iter().map(|f| f.key.clone()));
        header.push("replications".into());
        for m in Metric::ALL {
            for s in ["mean", "ci95_lo", "ci95_hi"] {
                header.push(format!("{}_{s}", m.name()));
            }
        }
        let lines = self.points.values.iter().enumerate().map(|(p, values)| {
            let mut line = vec![p.to_string()];
            line.extend(values.iter().map(|&v| num(v)));
            line.push(self.rows[p].len().to_string());
            for &m in Metric::ALL {
                let s = self.summary(p, m);
                line.extend([num(s.mean), num(s.ci95[0]), num(s.ci95[1])]);
            }
            line
        });
        write_csv(&dir.join("sweep_summary.csv"), &header, lines)
    }
}

/// The terminal table: per point, the keys and the NPV with its 95% interval.
pub fn table(sweep: &Sweep) -> String {
    let mut t = String::new();
    let keys: Vec<&str> = sweep.points.factors.iter().map(|f| f.key.as_str()).collect();
    t.push_str(&format!(
        "{:>6}  {}  {:>14}  {:>27}\n",
        "point",
        keys.join("  "),
        "NPV mean",
        "95% interval"
    ));
    for (p, values) in sweep.points.values.iter().enumerate() {
        let s = sweep.summary(p, Metric::Npv);
        let vals: Vec<String> = values
            .iter()
            .zip(&keys)
            .map(|(v, k)| format!("{:>w$}", format!("{v:.4}"), w = k.len()))
            .collect();
        t.push_str(&format!(
            "{p:>6}  {}  {:>14.0}  {:>12.0} .. {:>12.0}\n",
            vals.join("  "),
            s.mean,
            s.ci95[0],
            s.ci95[1]
        ));
    }
    t
}
