//! Numeric parameters that may be uncertain, and levers that may change over time.
//!
//! In a scenario file any numeric parameter is either a number or a
//! distribution table such as `{ dist = "pert", min = 0.5, mode = 1, max = 1.5 }`.
//! Validation turns it into a [`Param`] holding a ready-built distribution; each
//! replication then draws one value from the parameter's own keyed stream, so
//! the same parameter gets the same draw in every scenario (common random
//! numbers) and adding uncertainty to one parameter does not move another.

use rand::RngExt;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Pert, Triangular};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::rng::{Kind, Purpose, StreamKey, name_id};

/// A distribution as written in a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistSpec {
    /// Always `value`.
    Fixed {
        /// The value.
        value: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal; draws outside the parameter's allowed range are clamped to it.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (>= 0).
        sd: f64,
    },
    /// Log-normal: `exp(N(mu, sigma))`; clamped to the allowed range.
    Lognormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm (>= 0).
        sigma: f64,
    },
    /// Triangular on `[min, max]` with the given mode.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// PERT (a smoothed triangular, for expert min/most-likely/max judgements).
    Pert {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// Beta(alpha, beta) rescaled to `[min, max]` (default `[0, 1]`).
    Beta {
        /// First shape parameter (> 0).
        alpha: f64,
        /// Second shape parameter (> 0).
        beta: f64,
        /// Lower end of the support.
        #[serde(default)]
        min: Option<f64>,
        /// Upper end of the support.
        #[serde(default)]
        max: Option<f64>,
    },
}

impl DistSpec {
    /// The `p`-quantile (0 < p < 1) of the distribution as written (before any
    /// clamping to a parameter's allowed range). Designs of experiments use it to
    /// place points: the median as a key's central value, p10/p90 as a tornado's
    /// low and high, and a unit-cube coordinate mapped through it.
    pub fn quantile(&self, p: f64) -> f64 {
        use statrs::distribution::{Beta as SBeta, ContinuousCDF, Normal as SNormal};
        let p = p.clamp(1e-12, 1.0 - 1e-12);
        let beta = |a: f64, b: f64| SBeta::new(a, b).map_or(f64::NAN, |d| d.inverse_cdf(p));
        let z = || SNormal::new(0.0, 1.0).map_or(f64::NAN, |d| d.inverse_cdf(p));
        match *self {
            DistSpec::Fixed { value } => value,
            DistSpec::Uniform { min, max } => min + p * (max - min),
            DistSpec::Normal { mean, sd } => mean + sd * z(),
            DistSpec::Lognormal { mu, sigma } => (mu + sigma * z()).exp(),
            DistSpec::Triangular { min, mode, max } => {
                let c = if max > min { (mode - min) / (max - min) } else { 0.5 };
                if p < c {
                    min + ((max - min) * (mode - min) * p).sqrt()
                } else {
                    max - ((max - min) * (max - mode) * (1.0 - p)).sqrt()
                }
            }
            DistSpec::Pert { min, mode, max } => {
                let r = (max - min).max(f64::MIN_POSITIVE);
                min + r * beta(1.0 + 4.0 * (mode - min) / r, 1.0 + 4.0 * (max - mode) / r)
            }
            DistSpec::Beta {
                alpha,
                beta: b,
                min,
                max,
            } => {
                let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(1.0));
                lo + (hi - lo) * beta(alpha, b)
            }
        }
    }
}

/// A parameter as written: a number, or a distribution table, or either of them given per so
/// many customers (`{ per = 10000, value = 40 }`).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamSpec {
    /// A fixed number.
    Value(f64),
    /// A distribution drawn once per replication.
    Dist(DistSpec),
    /// An amount that grows with the bank: `of` per `per` customers, scaled to the bank's size
    /// (`simulation.customers`) when the scenario is checked (see [`super::size`]).
    Per {
        /// Customers the amount is given for (> 0).
        per: f64,
        /// The amount for `per` customers: a number or a distribution, never another `per`.
        of: Box<ParamSpec>,
    },
}

impl Serialize for ParamSpec {
    /// The form a scenario file uses: a number, a distribution table, or that table (or
    /// `value = X`) with `per = N` beside it.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ParamSpec::Value(v) => s.serialize_f64(*v),
            ParamSpec::Dist(d) => d.serialize(s),
            ParamSpec::Per { per, of } => {
                let mut t = match toml::Value::try_from(of.as_ref()).map_err(serde::ser::Error::custom)? {
                    toml::Value::Table(t) => t,
                    v => toml::Table::from_iter([("value".to_string(), v)]),
                };
                t.insert("per".into(), toml::Value::Float(*per));
                t.serialize(s)
            }
        }
    }
}

/// A parameter written as a table: a distribution, or `per = N` beside `value = X` or a
/// distribution's keys.
fn from_table(mut t: toml::Table) -> Result<ParamSpec, String> {
    let dist = |t: toml::Table| {
        DistSpec::deserialize(toml::Value::Table(t))
            .map(ParamSpec::Dist)
            .map_err(|e| e.message().trim().to_string())
    };
    let Some(per) = t.remove("per") else {
        return dist(t);
    };
    let per = match per {
        toml::Value::Float(x) => x,
        toml::Value::Integer(i) => i as f64,
        other => {
            return Err(format!(
                "`per` must be a number of customers, got a {}",
                other.type_str()
            ));
        }
    };
    let of = if t.contains_key("dist") {
        dist(t)?
    } else {
        match (t.remove("value"), t.keys().next()) {
            (_, Some(k)) => {
                return Err(format!(
                    "unknown field `{k}` beside `per`: write `{{ per = N, value = X }}` or a distribution's keys with `per = N`"
                ));
            }
            (Some(toml::Value::Float(x)), None) => ParamSpec::Value(x),
            (Some(toml::Value::Integer(i)), None) => ParamSpec::Value(i as f64),
            (Some(other), None) => return Err(format!("`value` must be a number, got a {}", other.type_str())),
            (None, None) => {
                return Err(
                    "`per = N` needs the amount beside it: `value = X` or a distribution (`dist = ...`)".into(),
                );
            }
        }
    };
    Ok(ParamSpec::Per { per, of: Box::new(of) })
}

impl<'de> Deserialize<'de> for ParamSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ParamSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a distribution table such as { dist = \"uniform\", min = 0, max = 1 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ParamSpec, E> {
                Ok(ParamSpec::Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamSpec, E> {
                Ok(ParamSpec::Value(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamSpec, E> {
                Ok(ParamSpec::Value(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ParamSpec, A::Error> {
                from_table(toml::Table::deserialize(de::value::MapAccessDeserializer::new(map))?)
                    .map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A validated, ready-to-draw distribution.
#[derive(Debug, Clone)]
enum Ready {
    Fixed(f64),
    Uniform(f64, f64),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Triangular(Triangular<f64>),
    Pert(Pert<f64>),
    Beta(Beta<f64>, f64, f64),
}

/// A checked parameter: its allowed range, its distribution and the id of its stream.
#[derive(Debug, Clone)]
pub struct Param {
    id: u64,
    lo: f64,
    hi: f64,
    /// The largest value a draw takes in practice: the support's top, or six spreads above the
    /// centre for unbounded distributions (within `hi`). Sizes memory before a run.
    upper: f64,
    /// The smallest value a draw takes in practice (mirror of `upper`).
    lower: f64,
    ready: Ready,
}

/// Why a parameter was refused (the caller adds the file and key).
pub type ParamError = String;

/// Allowed shape parameters of a beta distribution: outside, sampling loses precision.
const BETA_SHAPE: std::ops::RangeInclusive<f64> = 0.01..=1000.0;

fn finite(name: &str, v: f64) -> Result<f64, ParamError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{name} must be a finite number, got {v}"))
    }
}

fn non_negative(name: &str, v: f64) -> Result<f64, ParamError> {
    match finite(name, v)? {
        v if v < 0.0 => Err(format!("{name} must be >= 0, got {v}")),
        v => Ok(v),
    }
}

fn range_text(lo: f64, hi: f64) -> String {
    if hi.is_infinite() {
        format!("at least {lo}")
    } else if hi >= 1e5 {
        format!("at least {lo} and at most {hi:e}")
    } else {
        format!("between {lo} and {hi}")
    }
}

impl ParamSpec {
    /// Checks the parameter against its allowed range `[lo, hi]` and builds its
    /// distribution. `key` is the full key path; it also names the stream.
    pub fn check(&self, key: &str, lo: f64, hi: f64) -> Result<Param, ParamError> {
        let inside = |what: &str, v: f64| -> Result<f64, ParamError> {
            let v = finite(what, v)?;
            if v < lo || v > hi {
                Err(format!("{what} is {v}; allowed: {}", range_text(lo, hi)))
            } else {
                Ok(v)
            }
        };
        let ordered = |min: f64, mode: f64, max: f64| -> Result<(), ParamError> {
            if min <= mode && mode <= max && min < max {
                Ok(())
            } else {
                Err(format!(
                    "needs min <= mode <= max and min < max, got min = {min}, mode = {mode}, max = {max}"
                ))
            }
        };
        let ready = match self {
            ParamSpec::Per { .. } => {
                return Err("an amount per so many customers must be sized to the bank before it is checked".into());
            }
            ParamSpec::Value(v) | ParamSpec::Dist(DistSpec::Fixed { value: v }) => {
                Ready::Fixed(inside("the value", *v)?)
            }
            ParamSpec::Dist(DistSpec::Uniform { min, max }) => {
                let (a, b) = (inside("min", *min)?, inside("max", *max)?);
                if a > b {
                    return Err(format!("min ({a}) is above max ({b})"));
                }
                Ready::Uniform(a, b)
            }
            ParamSpec::Dist(DistSpec::Normal { mean, sd }) => {
                let mean = inside("mean", *mean)?;
                let sd = non_negative("sd", *sd)?;
                Ready::Normal(Normal::new(mean, sd).map_err(|e| e.to_string())?)
            }
            ParamSpec::Dist(DistSpec::Lognormal { mu, sigma }) => {
                let (mu, sigma) = (finite("mu", *mu)?, non_negative("sigma", *sigma)?);
                if lo > 0.0 && mu.exp() < lo || mu.exp() > hi {
                    return Err(format!(
                        "median exp(mu) = {} is outside the allowed range ({})",
                        mu.exp(),
                        range_text(lo, hi)
                    ));
                }
                Ready::LogNormal(LogNormal::new(mu, sigma).map_err(|e| e.to_string())?)
            }
            ParamSpec::Dist(DistSpec::Triangular { min, mode, max }) => {
                let (a, m, b) = (inside("min", *min)?, inside("mode", *mode)?, inside("max", *max)?);
                ordered(a, m, b)?;
                Ready::Triangular(Triangular::new(a, b, m).map_err(|e| e.to_string())?)
            }
            ParamSpec::Dist(DistSpec::Pert { min, mode, max }) => {
                let (a, m, b) = (inside("min", *min)?, inside("mode", *mode)?, inside("max", *max)?);
                ordered(a, m, b)?;
                Ready::Pert(Pert::new(a, b).with_mode(m).map_err(|e| e.to_string())?)
            }
            ParamSpec::Dist(DistSpec::Beta { alpha, beta, min, max }) => {
                let (a, b) = (finite("alpha", *alpha)?, finite("beta", *beta)?);
                if !(BETA_SHAPE.contains(&a) && BETA_SHAPE.contains(&b)) {
                    return Err(format!(
                        "alpha and beta must be > 0 (between {} and {}), got alpha = {a}, beta = {b}",
                        BETA_SHAPE.start(),
                        BETA_SHAPE.end()
                    ));
                }
                let (min, max) = (inside("min", min.unwrap_or(0.0))?, inside("max", max.unwrap_or(1.0))?);
                if min >= max {
                    return Err(format!("min ({min}) must be below max ({max})"));
                }
                Ready::Beta(Beta::new(a, b).map_err(|e| e.to_string())?, min, max)
            }
        };
        let lower = match &ready {
            Ready::Fixed(v) => *v,
            Ready::Uniform(a, _) | Ready::Beta(_, a, _) => *a,
            Ready::Normal(d) => d.mean() - 6.0 * d.std_dev(),
            Ready::LogNormal(_) => match self {
                ParamSpec::Dist(DistSpec::Lognormal { mu, sigma }) => (mu - 6.0 * sigma).exp(),
                _ => lo,
            },
            Ready::Triangular(_) | Ready::Pert(_) => match self {
                ParamSpec::Dist(DistSpec::Triangular { min, .. } | DistSpec::Pert { min, .. }) => *min,
                _ => lo,
            },
        };
        let upper = match &ready {
            Ready::Fixed(v) => *v,
            Ready::Uniform(_, b) | Ready::Beta(_, _, b) => *b,
            Ready::Normal(d) => d.mean() + 6.0 * d.std_dev(),
            Ready::LogNormal(_) => match self {
                ParamSpec::Dist(DistSpec::Lognormal { mu, sigma }) => (mu + 6.0 * sigma).exp(),
                _ => hi,
            },
            Ready::Triangular(_) | Ready::Pert(_) => match self {
                ParamSpec::Dist(DistSpec::Triangular { max, .. } | DistSpec::Pert { max, .. }) => *max,
                _ => hi,
            },
        };
        Ok(Param {
            id: name_id(key),
            lo,
            hi,
            upper: upper.clamp(lo, hi),
            lower: lower.clamp(lo, hi),
            ready,
        })
    }
}

impl Param {
    /// A fixed parameter (used by tests and built-in experiments).
    pub fn fixed(v: f64) -> Self {
        Param {
            id: 0,
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            upper: v,
            lower: v,
            ready: Ready::Fixed(v),
        }
    }

    /// The largest value a draw takes in practice (see the field's note).
    pub fn upper(&self) -> f64 {
        self.upper
    }

    /// The smallest value a draw takes in practice (mirror of [`Param::upper`]).
    pub fn lower(&self) -> f64 {
        self.lower
    }

    /// Whether the parameter is uncertain (drawn per replication).
    pub fn is_uncertain(&self) -> bool {
        !matches!(self.ready, Ready::Fixed(_))
    }

    /// This replication's value, from the parameter's own stream.
    pub fn draw(&self, master: u64, replication: u64) -> f64 {
        let rng = || StreamKey::new(master, replication, Kind::Parameter, self.id).rng(Purpose::Draw, 0);
        let v = match &self.ready {
            Ready::Fixed(v) => return *v,
            Ready::Uniform(a, b) => a + (b - a) * rng().random::<f64>(),
            Ready::Normal(d) => d.sample(&mut rng()),
            Ready::LogNormal(d) => d.sample(&mut rng()),
            Ready::Triangular(d) => d.sample(&mut rng()),
            Ready::Pert(d) => d.sample(&mut rng()),
            Ready::Beta(d, min, max) => min + (max - min) * d.sample(&mut rng()),
        };
        v.clamp(self.lo, self.hi)
    }
}

/// One step of a lever's schedule as written: from this month on, this value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// First month (0-based) at which `value` applies.
    pub from_month: u32,
    /// The lever's value from that month on (a number or a distribution).
    pub value: ParamSpec,
    /// Customers `value` is given for: `{ from_month = 24, per = 10000, value = 30 }` is the
    /// step `{ from_month = 24, value = { per = 10000, value = 30 } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<f64>,
}

/// A lever as written: a constant (number or distribution) or a schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LeverSpec {
    /// The same value every month.
    Constant(ParamSpec),
    /// A list of `{ from_month, value }` steps.
    Schedule(Vec<StepSpec>),
}

impl<'de> Deserialize<'de> for LeverSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LeverSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, a distribution table, or a schedule [{ from_month = 0, value = … }, …]")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LeverSpec, E> {
                Ok(LeverSpec::Constant(ParamSpec::Value(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LeverSpec, E> {
                Ok(LeverSpec::Constant(ParamSpec::Value(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LeverSpec, E> {
                Ok(LeverSpec::Constant(ParamSpec::Value(v as f64)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LeverSpec, A::Error> {
                from_table(toml::Table::deserialize(de::value::MapAccessDeserializer::new(map))?)
                    .map(LeverSpec::Constant)
                    .map_err(de::Error::custom)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<LeverSpec, A::Error> {
                Vec::<StepSpec>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(LeverSpec::Schedule)
            }
        }
        d.deserialize_any(V)
    }
}

impl LeverSpec {
    /// Checks every step's value against `[lo, hi]`; the schedule must start at
    /// month 0 and have increasing months. An error names the step it is about, if one.
    pub fn check(&self, key: &str, lo: f64, hi: f64) -> Result<Lever, (Option<usize>, ParamError)> {
        match self {
            LeverSpec::Constant(p) => Ok(Lever(vec![(0, p.check(key, lo, hi).map_err(|e| (None, e))?)])),
            LeverSpec::Schedule(steps) => {
                if steps.first().map(|s| s.from_month) != Some(0) {
                    return Err((
                        Some(0),
                        "a schedule must start with { from_month = 0, value = … }".into(),
                    ));
                }
                if let Some(i) = steps.windows(2).position(|w| w[0].from_month >= w[1].from_month) {
                    return Err((Some(i + 1), "schedule months must increase from step to step".into()));
                }
                let mut out = Vec::with_capacity(steps.len());
                for (i, s) in steps.iter().enumerate() {
                    let p = s
                        .value
                        .check(&format!("{key}[{i}]"), lo, hi)
                        .map_err(|e| (Some(i), format!("step {i}: {e}")))?;
                    out.push((s.from_month, p));
                }
                Ok(Lever(out))
            }
        }
    }
}

/// A checked lever: `(from_month, value)` steps, starting at month 0.
#[derive(Debug, Clone)]
pub struct Lever(Vec<(u32, Param)>);

impl Lever {
    /// The largest value any step takes in practice.
    pub fn upper(&self) -> f64 {
        self.0.iter().map(|(_, p)| p.upper()).fold(f64::NEG_INFINITY, f64::max)
    }

    /// The smallest value any step takes in practice.
    pub fn lower(&self) -> f64 {
        self.0.iter().map(|(_, p)| p.lower()).fold(f64::INFINITY, f64::min)
    }

    /// The steps: from which month on, which parameter.
    pub fn steps(&self) -> &[(u32, Param)] {
        &self.0
    }

    /// The lever as it stands at month 0, held from then on.
    pub fn at_start(&self) -> Lever {
        Lever(self.0[..1].to_vec())
    }

    /// This replication's schedule.
    pub fn draw(&self, master: u64, replication: u64) -> Schedule {
        Schedule(self.0.iter().map(|(m, p)| (*m, p.draw(master, replication))).collect())
    }
}

/// A lever's drawn schedule for one replication.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule(Vec<(u32, f64)>);

impl Schedule {
    /// A schedule holding one value from month 0 on.
    pub fn constant(v: f64) -> Self {
        Schedule(vec![(0, v)])
    }

    /// The value in force in `month`.
    pub fn at(&self, month: u32) -> f64 {
        self.0
            .iter()
            .take_while(|(m, _)| *m <= month)
            .last()
            .map_or(self.0[0].1, |s| s.1)
    }

    /// The largest value the schedule ever takes.
    pub fn max(&self) -> f64 {
        self.0.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> ParamSpec {
        #[derive(Deserialize)]
        struct W {
            p: ParamSpec,
        }
        toml::from_str::<W>(&format!("p = {s}")).unwrap().p
    }

    #[test]
    fn numbers_and_every_distribution_parse_and_draw_inside_range() {
        for s in [
            "3",
            "2.5",
            "{ dist = \"fixed\", value = 2 }",
            "{ dist = \"uniform\", min = 1, max = 4 }",
            "{ dist = \"normal\", mean = 2, sd = 5 }",
            "{ dist = \"lognormal\", mu = 0.5, sigma = 1 }",
            "{ dist = \"triangular\", min = 1, mode = 2, max = 4 }",
            "{ dist = \"pert\", min = 1, mode = 2, max = 4 }",
            "{ dist = \"beta\", alpha = 2, beta = 3, min = 1, max = 4 }",
        ] {
            let p = spec(s).check("x.y", 0.0, 5.0).unwrap_or_else(|e| panic!("{s}: {e}"));
            for rep in 0..200 {
                let v = p.draw(1, rep);
                assert!((0.0..=5.0).contains(&v), "{s} drew {v}");
                assert_eq!(v, p.draw(1, rep), "draws are reproducible");
            }
        }
    }

    #[test]
    fn uncertain_draws_vary_across_replications_and_use_the_keyed_stream() {
        let p = spec("{ dist = \"uniform\", min = 0, max = 1 }")
            .check("a", 0.0, 1.0)
            .unwrap();
        let q = spec("{ dist = \"uniform\", min = 0, max = 1 }")
            .check("b", 0.0, 1.0)
            .unwrap();
        assert_ne!(p.draw(1, 0), p.draw(1, 1));
        assert_ne!(p.draw(1, 0), q.draw(1, 0), "different keys draw from different streams");
        let mean = (0..2000).map(|r| p.draw(3, r)).sum::<f64>() / 2000.0;
        assert!((mean - 0.5).abs() < 0.03, "uniform mean {mean}");
    }

    #[test]
    fn impossible_parameters_are_refused_with_a_reason() {
        for (s, needle) in [
            ("7", "allowed: between 0 and 5"),
            ("nan", "finite"),
            ("{ dist = \"uniform\", min = 3, max = 1 }", "above max"),
            ("{ dist = \"normal\", mean = 1, sd = -1 }", "sd must be >= 0"),
            (
                "{ dist = \"triangular\", min = 1, mode = 4, max = 3 }",
                "min <= mode <= max",
            ),
            ("{ dist = \"beta\", alpha = 0, beta = 1 }", "alpha and beta"),
        ] {
            let err = spec(s).check("k", 0.0, 5.0).unwrap_err();
            assert!(err.contains(needle), "{s}: {err}");
        }
    }

    #[test]
    fn quantiles_invert_the_sampled_distributions() {
        for s in [
            "{ dist = \"uniform\", min = 1, max = 4 }",
            "{ dist = \"normal\", mean = 2, sd = 0.5 }",
            "{ dist = \"lognormal\", mu = 0.5, sigma = 0.3 }",
            "{ dist = \"triangular\", min = 1, mode = 2, max = 4 }",
            "{ dist = \"pert\", min = 1, mode = 2, max = 4 }",
            "{ dist = \"beta\", alpha = 2, beta = 3, min = 1, max = 4 }",
        ] {
            let ParamSpec::Dist(d) = spec(s) else {
                panic!("{s} is a distribution")
            };
            let p = spec(s).check("q.test", 0.0, 100.0).unwrap();
            let n = 4000;
            for q in [0.1, 0.5, 0.9] {
                let x = d.quantile(q);
                let below = (0..n).filter(|&r| p.draw(7, r) <= x).count() as f64 / n as f64;
                // Binomial sd at n = 4000 is at most 0.008: 0.03 is nearly 4 sd.
                assert!(
                    (below - q).abs() < 0.03,
                    "{s}: share below the {q}-quantile {x} is {below}"
                );
            }
        }
    }

    #[test]
    fn schedules_apply_from_their_month() {
        #[derive(Deserialize)]
        struct W {
            l: LeverSpec,
        }
        let l: W = toml::from_str("l = [{ from_month = 0, value = 800 }, { from_month = 36, value = 0 }]").unwrap();
        let s = l.l.check("levers.training", 0.0, f64::INFINITY).unwrap().draw(0, 0);
        assert_eq!((s.at(0), s.at(35), s.at(36), s.at(119)), (800.0, 800.0, 0.0, 0.0));
        assert_eq!(s.max(), 800.0);
        let bad: W = toml::from_str("l = [{ from_month = 3, value = 1 }]").unwrap();
        assert!(bad.l.check("k", 0.0, 1.0).is_err());
    }
}
