//! Joint draws of calibrated keys: the `[posterior]` table that `spc calibrate` writes.
//!
//! ```toml
//! [posterior]
//! keys = ["churn.competitive", "satisfaction.neutral"]
//! points = [[0.0181, 3.91], [0.0174, 3.88]]   # one row per joint posterior point
//! ```
//!
//! Replication `r` takes point `r mod n` whole, so the correlations between the keys that
//! the calibration found survive into every run, and two scenarios that share the table
//! (an alternative that extends the calibrated scenario) give replication `r` the same
//! point: common random numbers over parameter uncertainty too. A key of the table keeps
//! its value in the file, but draws come from the points. An edit or `--set` that sets a
//! key of the table removes its column (the key takes the value set; the other keys keep
//! their joint points); scaling a key scales its column.

use serde::{Deserialize, Serialize};

use super::param::{DistSpec, LeverSpec, ParamSpec};
use super::{Drawn, Schedule};

/// The `[posterior]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosteriorSpec {
    /// The calibrated keys (dotted scenario keys of parameters or levers).
    pub keys: Vec<String>,
    /// Joint points: one row per point, one value per key (in the key's unit).
    pub points: Vec<Vec<f64>>,
}

/// A checked `[posterior]`: every key known and distinct, every point complete and in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    keys: Vec<String>,
    points: Vec<Vec<f64>>,
}

/// Most points a `[posterior]` may hold.
pub const MAX_POINTS: usize = 100_000;

impl PosteriorSpec {
    /// Checks the table against `allowed` (every numeric key with its range). Errors are
    /// `(key path, message)`, the key path pointing into the table (`posterior.points[3]`).
    pub fn check(&self, allowed: &[(String, (f64, f64))]) -> Result<Posterior, (String, String)> {
        if self.keys.is_empty() {
            return Err(("posterior.keys".into(), "must name at least one key".into()));
        }
        let mut ranges = Vec::with_capacity(self.keys.len());
        for (i, key) in self.keys.iter().enumerate() {
            let at = format!("posterior.keys[{i}]");
            if self.keys[..i].contains(key) {
                return Err((at, format!("names `{key}` twice")));
            }
            let Some((_, r)) = allowed.iter().find(|(k, _)| k == key) else {
                return Err((
                    at,
                    format!("`{key}` is not a numeric parameter or lever of the scenario (e.g. `churn.competitive`)"),
                ));
            };
            ranges.push(*r);
        }
        if self.points.is_empty() || self.points.len() > MAX_POINTS {
            return Err((
                "posterior.points".into(),
                format!("needs between 1 and {MAX_POINTS} points, got {}", self.points.len()),
            ));
        }
        for (i, p) in self.points.iter().enumerate() {
            let at = format!("posterior.points[{i}]");
            if p.len() != self.keys.len() {
                return Err((
                    at,
                    format!("has {} values; one per key ({}) is needed", p.len(), self.keys.len()),
                ));
            }
            for ((v, key), (lo, hi)) in p.iter().zip(&self.keys).zip(&ranges) {
                if !(v.is_finite() && lo <= v && v <= hi) {
                    return Err((at, format!("`{key}` is {v}; allowed: {lo} to {hi}")));
                }
            }
        }
        Ok(Posterior {
            keys: self.keys.clone(),
            points: self.points.clone(),
        })
    }
}

impl Posterior {
    /// The calibrated keys.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The joint points.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }

    /// The point replication `replication` takes.
    pub fn point(&self, replication: u64) -> &[f64] {
        &self.points[(replication % self.points.len() as u64) as usize]
    }

    /// Key `key`'s column as a uniform distribution over its smallest and largest point:
    /// the checked parameter that stands for it (ranges, memory estimates, "uncertain").
    pub fn span(&self, key: &str) -> Option<ParamSpec> {
        let i = self.keys.iter().position(|k| k == key)?;
        let (lo, hi) = self
            .points
            .iter()
            .map(|p| p[i])
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        Some(if lo < hi {
            ParamSpec::Dist(DistSpec::Uniform { min: lo, max: hi })
        } else {
            ParamSpec::Value(lo)
        })
    }

    /// The lever spec that stands for `key` (see [`Posterior::span`]).
    pub fn lever_span(&self, key: &str) -> Option<LeverSpec> {
        self.span(key).map(LeverSpec::Constant)
    }

    /// Replaces the drawn values of the calibrated keys by replication `replication`'s point.
    pub fn apply(&self, drawn: &mut Drawn, replication: u64) {
        let point = self.point(replication);
        let value = |key: &str| self.keys.iter().position(|k| k == key).map(|i| point[i]);
        drawn.levers = drawn
            .levers
            .map(|k, s| value(&format!("levers.{k}")).map_or_else(|| s.clone(), Schedule::constant));
        drawn.params = drawn
            .params
            .try_map::<_, std::convert::Infallible>(|k, _, v| Ok(value(k).unwrap_or(*v)))
            .unwrap_or_else(|e| match e {});
    }
}

/// After `key` was set in a resolved scenario table: its column leaves the `[posterior]`
/// table (the table goes when no key is left). After it was scaled by `factor`: its column
/// is scaled. Returns whether the table changed.
pub fn follow_edit(table: &mut toml::Table, key: &str, scale: Option<f64>) -> bool {
    let Some(toml::Value::Table(post)) = table.get_mut("posterior") else {
        return false;
    };
    let Some(i) = post
        .get("keys")
        .and_then(toml::Value::as_array)
        .and_then(|ks| ks.iter().position(|k| k.as_str() == Some(key)))
    else {
        return false;
    };
    let rows = post.get_mut("points").and_then(toml::Value::as_array_mut);
    for row in rows.into_iter().flatten() {
        let Some(row) = row.as_array_mut() else { continue };
        match scale {
            Some(f) => {
                if let Some(v) = row.get_mut(i) {
                    let x = v
                        .as_float()
                        .or_else(|| v.as_integer().map(|n| n as f64))
                        .unwrap_or(f64::NAN);
                    *v = toml::Value::Float(x * f);
                }
            }
            None if i < row.len() => {
                row.remove(i);
            }
            None => {}
        }
    }
    if scale.is_none()
        && let Some(ks) = post.get_mut("keys").and_then(toml::Value::as_array_mut)
    {
        ks.remove(i);
        if ks.is_empty() {
            table.remove("posterior");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<(String, (f64, f64))> {
        vec![
            ("churn.competitive".into(), (0.0, 1.0)),
            ("levers.staff".into(), (1.0, 1e9)),
        ]
    }

    fn spec(points: Vec<Vec<f64>>) -> PosteriorSpec {
        PosteriorSpec {
            keys: vec!["churn.competitive".into(), "levers.staff".into()],
            points,
        }
    }

    #[test]
    fn bad_tables_name_the_offending_entry() {
        let a = allowed();
        let err = |s: PosteriorSpec| s.check(&a).unwrap_err();
        assert_eq!(err(spec(vec![])).0, "posterior.points");
        assert_eq!(err(spec(vec![vec![0.1, 40.0], vec![0.1]])).0, "posterior.points[1]");
        let (k, m) = err(spec(vec![vec![1.5, 40.0]]));
        assert_eq!(k, "posterior.points[0]");
        assert!(m.contains("`churn.competitive` is 1.5"), "{m}");
        let mut twice = spec(vec![vec![0.1, 0.1]]);
        twice.keys[1] = "churn.competitive".into();
        assert_eq!(err(twice).0, "posterior.keys[1]");
        let mut unknown = spec(vec![vec![0.1, 40.0]]);
        unknown.keys[0] = "churn.nope".into();
        assert_eq!(err(unknown).0, "posterior.keys[0]");
    }

    #[test]
    fn replication_r_takes_point_r_mod_n_and_spans_cover_the_points() {
        let p = spec(vec![vec![0.1, 40.0], vec![0.2, 30.0], vec![0.3, 50.0]])
            .check(&allowed())
            .unwrap();
        assert_eq!(p.point(4), &[0.2, 30.0]);
        assert_eq!(
            p.span("levers.staff"),
            Some(ParamSpec::Dist(DistSpec::Uniform { min: 30.0, max: 50.0 }))
        );
        assert_eq!(p.span("churn.exogenous"), None);
    }

    #[test]
    fn a_scenario_with_a_posterior_draws_whole_points_and_edits_release_them() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let b = crate::scenario::Scenario::load(&path, &[]).unwrap();
        let table: toml::Value = toml::from_str::<toml::Table>(
            "keys = [\"churn.competitive\", \"levers.staff\"]\npoints = [[0.01, 30.0], [0.02, 50.0]]",
        )
        .unwrap()
        .into();
        let cal = b
            .edited(&[crate::scenario::Edit::set_value("posterior", table)])
            .unwrap();
        for r in 0..4 {
            let d = cal.draw(1, r);
            let want = if r % 2 == 0 { (0.01, 30.0) } else { (0.02, 50.0) };
            assert_eq!((d.params.churn.competitive, d.levers.staff.at(0)), want);
        }
        assert!(
            cal.levers.staff.upper() >= 50.0,
            "memory estimates see the largest point"
        );
        let set = cal.edited(&[crate::scenario::Edit::set("levers.staff", 45.0)]).unwrap();
        assert_eq!(set.draw(1, 1).levers.staff.at(0), 45.0);
        assert_eq!(set.draw(1, 1).params.churn.competitive, 0.02);
        let scaled = cal
            .edited(&[crate::scenario::Edit::scale("levers.staff", 0.5)])
            .unwrap();
        assert_eq!(scaled.draw(1, 1).levers.staff.at(0), 25.0);
        let o = vec!["churn.competitive=0.03".parse().unwrap()];
        let mut cal_file = toml::Table::new();
        cal_file.insert("extends".into(), toml::Value::String(path.display().to_string()));
        cal_file.insert("posterior".into(), cal.resolved["posterior"].clone());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("cal.toml");
        std::fs::write(&f, toml::to_string(&cal_file).unwrap()).unwrap();
        let loaded = crate::scenario::Scenario::load(&f, &o).unwrap();
        assert_eq!(loaded.draw(1, 1).params.churn.competitive, 0.03);
        assert_eq!(loaded.draw(1, 1).levers.staff.at(0), 50.0);
    }

    #[test]
    fn setting_a_key_drops_its_column_and_scaling_scales_it() {
        let mut t: toml::Table =
            toml::from_str("[posterior]\nkeys = [\"a.b\", \"c.d\"]\npoints = [[1.0, 2.0], [3.0, 4.0]]\n").unwrap();
        assert!(follow_edit(&mut t, "c.d", Some(2.0)));
        assert_eq!(t["posterior"]["points"][1][1].as_float(), Some(8.0));
        assert!(!follow_edit(&mut t, "x.y", None));
        assert!(follow_edit(&mut t, "a.b", None));
        assert_eq!(t["posterior"]["keys"].as_array().unwrap().len(), 1);
        assert_eq!(t["posterior"]["points"][0].as_array().unwrap().len(), 1);
        assert!(follow_edit(&mut t, "c.d", None));
        assert!(!t.contains_key("posterior"));
    }
}
