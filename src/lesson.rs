//! Lessons for trainers (`spc lesson`): prepared demonstrations of loyalty dynamics.
//!
//! A lesson is a data file in `scenarios/lessons/` that a trainer can read and
//! copy: a few scenarios chosen to make one point, a narrative with
//! placeholders filled from this run's numbers, claims that are checked
//! against the run (so the story is never stated more strongly than the
//! numbers support), the concept's source, a discussion question and the
//! charts to draw. Lessons are deterministic: a fixed seed by default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::compare::{Comparison, compare};
use crate::error::{Error, Result};
use crate::experiment::{Design, Observe, RunOptions, RunResult};
use crate::metrics::{Metric, ScoreCounts};
use crate::report::{self, Figure};
use crate::scenario::{Edit, Override, Scenario};

/// One scenario of a lesson.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonScenario {
    /// Name used in the narrative's placeholders and the charts.
    pub name: String,
    /// Scenario file, relative to the lesson file.
    pub file: String,
    /// Extra `key.path=value` overrides.
    #[serde(default)]
    pub set: Vec<String>,
}

/// A statement the narrative relies on: `left op factor x right`, checked on the run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The statement, in words.
    pub text: String,
    /// A placeholder name, e.g. `today.churn_rate_score4`.
    pub left: String,
    /// `>` or `<`.
    pub op: String,
    /// A placeholder name or a number.
    pub right: String,
    /// Multiplier on the right-hand side (default 1).
    #[serde(default = "one")]
    pub factor: f64,
}

fn one() -> f64 {
    1.0
}

/// A lesson file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Command-line name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The point, in one line (shown by `spc lesson`).
    pub summary: String,
    /// Where the concept comes from.
    pub source: String,
    /// A question for the class.
    pub question: String,
    /// Default seed.
    pub seed: u64,
    /// Default customers per replication.
    pub customers: u32,
    /// Default replications.
    pub replications: u32,
    /// Horizon in months.
    pub months: u32,
    /// The scenarios; the first is the reference the others are compared with.
    pub scenarios: Vec<LessonScenario>,
    /// The narrative, with `{placeholder}` or `{placeholder:format}` (formats: pct, pp, meur, x, int, +.N, .N).
    pub narrative: String,
    /// Claims the narrative relies on.
    #[serde(default)]
    pub claims: Vec<Claim>,
    /// Charts to draw (stems of the report's charts).
    pub charts: Vec<String>,
    /// Where the file was read from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// The lessons in `dir`, by name.
pub fn list(dir: &Path) -> Result<Vec<Lesson>> {
    let mut lessons: Vec<Lesson> = crate::scenario::discover(dir)?
        .iter()
        .map(|p| load(p))
        .collect::<Result<_>>()?;
    lessons.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(lessons)
}

/// Reads one lesson file.
pub fn load(path: &Path) -> Result<Lesson> {
    let text = crate::scenario::read_text(path)?;
    if let Ok(t) = toml::from_str::<toml::Table>(&text)
        && ["simulation", "levers", "extends"].iter().any(|k| t.contains_key(*k))
        && !t.contains_key("narrative")
    {
        return Err(Error::Options(format!(
            "{} is a scenario file, not a lesson: run it with `spc run {}`; lessons are listed by `spc lesson`",
            path.display(),
            path.display()
        )));
    }
    let mut l: Lesson = toml::from_str(&text).map_err(|e| Error::Parse {
        line: None,
        path: path.to_path_buf(),
        message: e.to_string().trim().to_string(),
    })?;
    if l.scenarios.is_empty() {
        return Err(Error::Invalid {
            line: None,
            path: path.to_path_buf(),
            key: "scenarios".into(),
            message: "needs at least one scenario".into(),
        });
    }
    l.path = path.to_path_buf();
    Ok(l)
}

/// A change of a lesson's scenarios: for every scenario of the lesson, or for the one named.
/// Written `[SCENARIO:]key.path=value` on the command line (`--set cuts:levers.staff=36`).
#[derive(Debug, Clone, PartialEq)]
pub struct LessonEdit {
    /// The lesson scenario it applies to; `None` for every one.
    pub scenario: Option<String>,
    /// The edit.
    pub edit: Edit,
}

impl std::str::FromStr for LessonEdit {
    type Err = Error;
    fn from_str(s: &str) -> Result<LessonEdit> {
        let key_end = s.find('=').unwrap_or(s.len());
        let (scenario, rest) = match s[..key_end].split_once(':') {
            Some((name, _)) => (Some(name.trim().to_string()), &s[name.len() + 1..]),
            None => (None, s),
        };
        Ok(LessonEdit {
            scenario,
            edit: Edit::from(&rest.parse::<Override>()?),
        })
    }
}

/// The lesson's scenarios, each with `customers` and the lesson's horizon, the lesson's own
/// `set`s, then `edits` (those for every scenario and those naming it, in order).
pub fn scenarios(lesson: &Lesson, customers: Option<u32>, edits: &[LessonEdit]) -> Result<Vec<Scenario>> {
    let base = lesson.path.parent().unwrap_or(Path::new("."));
    let customers = customers.unwrap_or(lesson.customers);
    if let Some(unknown) = edits
        .iter()
        .filter_map(|e| e.scenario.as_deref())
        .find(|n| !lesson.scenarios.iter().any(|s| s.name == *n))
    {
        return Err(Error::Options(format!(
            "lesson `{}` has no scenario `{unknown}`; its scenarios: {}",
            lesson.name,
            lesson
                .scenarios
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    lesson
        .scenarios
        .iter()
        .map(|s| {
            let mut all = vec![
                Edit::set_value("simulation.customers", toml::Value::Integer(customers.into())),
                Edit::set_value("simulation.months", toml::Value::Integer(lesson.months.into())),
            ];
            for x in &s.set {
                all.push(Edit::from(&x.parse::<Override>()?));
            }
            all.extend(
                edits
                    .iter()
                    .filter(|e| e.scenario.as_ref().is_none_or(|n| *n == s.name))
                    .map(|e| e.edit.clone()),
            );
            Ok(Scenario::load(&base.join(&s.file), &[])?.edited(&all)?.renamed(&s.name))
        })
        .collect()
}

/// A lesson's story as this run tells it.
#[derive(Debug, Clone)]
pub struct Story {
    /// The narrative with this run's numbers.
    pub narrative: String,
    /// Claims of the narrative this run does not bear out, in words.
    pub cautions: Vec<String>,
}

/// Fills the lesson's narrative from `result` and checks its claims.
pub fn story(lesson: &Lesson, result: &RunResult, comparison: Option<&Comparison>) -> Result<Story> {
    let vars = variables(result, comparison);
    let narrative = fill(lesson.narrative.trim(), &vars, &lesson.path)?;
    let mut cautions = Vec::new();
    for claim in &lesson.claims {
        let (holds, l, r) = check(claim, &vars, &lesson.path)?;
        if !holds {
            cautions.push(format!(
                "in this run it is NOT true that {} ({} = {l:.4} vs {r:.4})",
                claim.text, claim.left
            ));
        }
    }
    Ok(Story { narrative, cautions })
}

/// Overrides of a lesson's defaults from the command line.
#[derive(Debug, Clone, Default)]
pub struct LessonOptions {
    /// Seed instead of the lesson's.
    pub seed: Option<u64>,
    /// Customers instead of the lesson's.
    pub customers: Option<u32>,
    /// Replications instead of the lesson's.
    pub replications: Option<u32>,
    /// Worker threads.
    pub threads: usize,
    /// Changes of the lesson's scenarios (`--set`).
    pub edits: Vec<LessonEdit>,
}

/// A lesson's run and what it tells.
#[derive(Debug)]
pub struct Outcome {
    /// The run.
    pub result: RunResult,
    /// The scenarios after the first, against the first.
    pub comparison: Option<Comparison>,
    /// The filled-in narrative, claims checked, source and question.
    pub text: String,
    /// The lesson's charts.
    pub figures: Vec<Figure>,
}

/// The numbers a narrative can use, by placeholder name.
pub fn variables(result: &RunResult, comparison: Option<&Comparison>) -> BTreeMap<String, f64> {
    let mut v = BTreeMap::new();
    for run in &result.scenarios {
        for &m in Metric::ALL {
            v.insert(format!("{}.{m}", run.scenario.name), run.summary(m).mean);
        }
    }
    for run in &result.scenarios {
        let n = &run.scenario.name;
        let months = run.scenario.months.max(1);
        let levers = run.scenario.draw(result.options.seed, 0).levers;
        levers.map(|lever, schedule| {
            let last_change = (1..months)
                .rev()
                .find(|t| schedule.at(*t) != schedule.at(t - 1))
                .unwrap_or(0);
            v.insert(format!("{n}.levers.{lever}"), schedule.at(0));
            v.insert(format!("{n}.levers.{lever}.end"), schedule.at(months - 1));
            v.insert(format!("{n}.levers.{lever}.from"), f64::from(last_change));
        });
        let counts = run
            .replications
            .iter()
            .fold(ScoreCounts::default(), |a, r| a.plus(&r.score_counts));
        for k in 1..=5 {
            let r = counts.annual_rate(k);
            v.insert(format!("{n}.pooled_churn_rate_score{k}"), r.rate);
            v.insert(format!("{n}.customer_years_score{k}"), r.customer_years);
            v.insert(format!("{n}.leavers_score{k}"), r.churners as f64);
        }
        let ratio = v[&format!("{n}.churn_rate_score4")] / v[&format!("{n}.churn_rate_score5")];
        v.insert(format!("{n}.churn_ratio_4_to_5"), ratio);
    }
    if let Some(c) = comparison {
        for a in &c.comparisons {
            for (name, d) in &a.delta {
                v.insert(format!("{}.delta.{name}", a.scenario), d.mean);
            }
            let median: Vec<f64> = a.cumulative_profit_bands.iter().map(|b| b[2]).collect();
            let (peak_month, peak) = median
                .iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |m, (t, x)| if *x > m.1 { (t, *x) } else { m });
            v.insert(format!("{}.cum_profit_peak", a.scenario), peak);
            v.insert(format!("{}.cum_profit_peak_month", a.scenario), (peak_month + 1) as f64);
            v.insert(
                format!("{}.cum_profit_end", a.scenario),
                median.last().copied().unwrap_or(f64::NAN),
            );
            v.insert(
                format!("{}.payback_month", a.scenario),
                a.payback_month.map_or(f64::NAN, f64::from),
            );
            v.insert(format!("{}.p_better", a.scenario), a.p_better);
            let quality = a.delta(Metric::MeanDeliveredQuality).mean;
            for (name, d) in &a.delta {
                let per = if quality != 0.0 { d.mean / quality } else { f64::NAN };
                v.insert(format!("{}.per_quality.{name}", a.scenario), per);
            }
        }
    }
    v
}

/// Most decimals a `.N` or `+.N` format shows.
pub const MAX_DECIMALS: usize = 12;

/// `value` in the narrative format `spec` (pct, pp, meur, x, int, +.N, .N with N at most
/// [`MAX_DECIMALS`], or empty for two decimals); `None` for an unknown format.
fn format(value: f64, spec: &str) -> Option<String> {
    let decimals = |n: &str| n.parse::<usize>().ok().filter(|d| *d <= MAX_DECIMALS);
    let known = match spec {
        "pct" | "pp" | "meur" | "x" | "int" | "" => true,
        s => s
            .strip_prefix("+.")
            .or_else(|| s.strip_prefix('.'))
            .and_then(decimals)
            .is_some(),
    };
    if !known {
        return None;
    }
    if !value.is_finite() {
        return Some("n/a".into());
    }
    Some(match spec {
        "pct" => format!("{:.1}%", 100.0 * value),
        "pp" => format!("{:+.1} points", 100.0 * value),
        "meur" => format!("{:+.2} MEUR", value / 1e6),
        "x" => format!("{value:.1}x"),
        "int" => format!("{value:.0}"),
        s if s.starts_with("+.") => format!("{value:+.*}", decimals(&s[2..]).unwrap_or(2)),
        s if s.starts_with('.') => format!("{value:.*}", decimals(&s[1..]).unwrap_or(2)),
        _ => format!("{value:.2}"),
    })
}

/// Fills `{name}` and `{name:format}` placeholders; an unknown name is an error.
pub fn fill(template: &str, vars: &BTreeMap<String, f64>, path: &Path) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map(|c| open + c).ok_or_else(|| Error::Invalid {
            line: None,
            path: path.to_path_buf(),
            key: "narrative".into(),
            message: "has a `{` without a closing `}`".into(),
        })?;
        let inner = &rest[open + 1..close];
        let (name, spec) = inner.split_once(':').unwrap_or((inner, ""));
        let value = vars.get(name.trim()).ok_or_else(|| Error::Invalid {
            line: None,
            path: path.to_path_buf(),
            key: "narrative".into(),
            message: format!("unknown placeholder {{{name}}}; known: SCENARIO.METRIC, SCENARIO.delta.METRIC, SCENARIO.levers.LEVER (month 0; .end: last month, .from: month of the last change), SCENARIO.per_quality.METRIC (delta per point of delivered quality), SCENARIO.pooled_churn_rate_scoreK, .customer_years_scoreK, .leavers_scoreK (pooled over replications), SCENARIO.cum_profit_peak/_end, SCENARIO.payback_month, SCENARIO.p_better"),
        })?;
        out.push_str(&format(*value, spec.trim()).ok_or_else(|| Error::Invalid {
            line: None,
            path: path.to_path_buf(),
            key: "narrative".into(),
            message: format!(
                "unknown format `{{{inner}}}`; known: pct, pp, meur, x, int, .N and +.N with N from 0 to {MAX_DECIMALS}"
            ),
        })?);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn operand(s: &str, vars: &BTreeMap<String, f64>, path: &Path) -> Result<f64> {
    s.trim()
        .parse::<f64>()
        .ok()
        .or_else(|| vars.get(s.trim()).copied())
        .ok_or_else(|| Error::Invalid {
            line: None,
            path: path.to_path_buf(),
            key: "claims".into(),
            message: format!("unknown placeholder `{s}`"),
        })
}

/// Whether a claim holds in this run, with the two sides.
pub fn check(claim: &Claim, vars: &BTreeMap<String, f64>, path: &Path) -> Result<(bool, f64, f64)> {
    let (l, r) = (
        operand(&claim.left, vars, path)?,
        claim.factor * operand(&claim.right, vars, path)?,
    );
    let holds = match claim.op.as_str() {
        ">" => l > r,
        "<" => l < r,
        other => {
            return Err(Error::Invalid {
                line: None,
                path: path.to_path_buf(),
                key: "claims.op".into(),
                message: format!("must be > or <, got {other}"),
            });
        }
    };
    Ok((holds, l, r))
}

/// Runs a lesson and builds its narrative and charts.
pub fn run(lesson: &Lesson, options: &LessonOptions, observer: &dyn Observe) -> Result<Outcome> {
    let scenarios = scenarios(lesson, options.customers, &options.edits)?;
    let run_options = RunOptions {
        seed: options.seed.unwrap_or(lesson.seed),
        replications: options.replications.unwrap_or(lesson.replications),
        threads: options.threads,
    };
    let result = Design::new(scenarios, run_options)?.run(observer)?;
    let comparison = (result.scenarios.len() > 1).then(|| compare(&result));
    let told = story(lesson, &result, comparison.as_ref())?;
    let mut text = format!(
        "{}\n{}\n\n{}\n",
        lesson.title,
        "=".repeat(lesson.title.chars().count()),
        told.narrative
    );
    for caution in &told.cautions {
        text.push_str(&format!(
            "\nCaution: {caution}. Try more replications or customers, or discuss why.\n"
        ));
    }
    text.push_str(&format!(
        "\nSource: {}\nFor discussion: {}\n",
        lesson.source, lesson.question
    ));
    let mut all = report::run_figures(&result);
    all.push(report::retention_by_path(&result));
    if let Some(c) = &comparison {
        all.extend(report::comparison_figures(&result, c));
    }
    let figures: Vec<Figure> = lesson
        .charts
        .iter()
        .map(|stem| {
            all.iter()
                .find(|f| &f.stem == stem)
                .cloned()
                .ok_or_else(|| Error::Invalid {
                    line: None,
                    path: lesson.path.clone(),
                    key: "charts".into(),
                    message: format!(
                        "unknown chart `{stem}`; known: {}",
                        all.iter().map(|f| f.stem.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                })
        })
        .collect::<Result<_>>()?;
    Ok(Outcome {
        result,
        comparison,
        text,
        figures,
    })
}

/// Writes the lesson's data files, charts (PNG and SVG) and `lesson.txt` into `dir`, atomically.
pub fn write(
    outcome: &Outcome,
    dir: &Path,
    command_line: &str,
    plots: bool,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<()> {
    crate::output::write_all(&outcome.result, dir, command_line, cancel, &|stage| {
        std::fs::write(stage.join("lesson.txt"), &outcome.text).map_err(|source| Error::Write {
            path: stage.join("lesson.txt"),
            source,
        })?;
        if let Some(c) = &outcome.comparison {
            crate::output::compare::write_comparison(c, &stage.join("comparison.json"))?;
        }
        if plots {
            let p = stage.join("plots");
            std::fs::create_dir_all(&p).map_err(|source| Error::Write {
                path: p.clone(),
                source,
            })?;
            for f in &outcome.figures {
                report::render(f, &p)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_with_formats_and_unknown_ones_refused() {
        let vars: BTreeMap<String, f64> = [("a.x".to_string(), 0.1234), ("b.npv".to_string(), 2_500_000.0)].into();
        let p = Path::new("l.toml");
        assert_eq!(
            fill("{a.x:pct} / {a.x:pp} / {b.npv:meur} / {a.x:.3} / {a.x}", &vars, p).unwrap(),
            "12.3% / +12.3 points / +2.50 MEUR / 0.123 / 0.12"
        );
        assert!(fill("{nope}", &vars, p).is_err());
        assert!(fill("{a.x", &vars, p).is_err());
        for bad in ["{a.x:.99999999999}", "{a.x:+.13}", "{a.x:.-1}", "{a.x:%}"] {
            assert!(fill(bad, &vars, p).is_err(), "{bad}");
        }
        assert_eq!(fill("{a.x:.12}", &vars, p).unwrap(), "0.123400000000");
        let claim = Claim {
            text: "t".into(),
            left: "b.npv".into(),
            op: ">".into(),
            right: "a.x".into(),
            factor: 3.0,
        };
        assert!(check(&claim, &vars, p).unwrap().0);
    }
}
