//! The studio's JSON API: what the page asks for, run as a design on the experiment layer,
//! and the numbers it gets back for its charts.
//!
//! A request names a shipped scenario or a lesson and the sliders moved (control key ->
//! value). The design is small enough to answer within a second on two cores (see
//! [`Classroom`]). For a scenario, the arms are the scenario as shipped and with the changes;
//! for a lesson, the lesson's own scenarios, the mechanism sliders editing every one and the
//! lever sliders the alternatives (or the one scenario named by `target`). A lesson of one
//! scenario is compared with itself as shipped.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::controls::{self, CONTROLS, Control, Role};
use crate::compare::{Comparison, compare};
use crate::error::{Error, Result};
use crate::experiment::{Design, Observe, Replication, RunOptions, RunResult, ScenarioRun, Unit};
use crate::lesson::{self, Lesson, LessonEdit};
use crate::metrics::{Metric, ScoreCounts, ScoreRate, Series};
use crate::scenario::{Edit, Scenario};

/// A classroom-size design: small enough for an answer within a second on two cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classroom {
    /// Customers at month 0 of a scenario (a lesson keeps its own).
    pub customers: u32,
    /// Horizon of a scenario in months (a lesson keeps its own).
    pub months: u32,
    /// Replications of a scenario.
    pub replications: u32,
    /// Most replications of a lesson.
    pub lesson_replications: u32,
}

impl Classroom {
    /// 10,000 customers (the size the shipped staff and budgets are written for), 60 months,
    /// 8 replications; lessons up to 6 replications over their own horizon.
    pub const DEFAULT: Classroom = Classroom {
        customers: 10_000,
        months: 60,
        replications: 8,
        lesson_replications: 6,
    };
}

/// One shipped scenario the page can pick.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioEntry {
    /// Name (the file stem).
    pub name: String,
    /// Its description.
    pub description: String,
    /// The file.
    #[serde(skip)]
    pub path: PathBuf,
}

/// One lesson the page can pick.
#[derive(Debug, Clone, Serialize)]
pub struct LessonEntry {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The point in one line.
    pub summary: String,
}

/// The scenarios and lessons the studio serves, read once at start.
#[derive(Debug, Clone)]
pub struct Library {
    scenarios: Vec<ScenarioEntry>,
    lessons: Vec<Lesson>,
    /// The size of the designs run.
    pub classroom: Classroom,
}

/// What the page gets first: what it can pick and move.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// Shipped scenarios.
    pub scenarios: Vec<ScenarioEntry>,
    /// Lessons.
    pub lessons: Vec<LessonEntry>,
    /// The sliders.
    pub controls: &'static [Control],
}

impl Library {
    /// Reads the scenario files of `scenarios` and the lessons of `lessons`.
    pub fn open(scenarios: &Path, lessons: &Path, classroom: Classroom) -> Result<Library> {
        let scenarios = crate::scenario::discover(scenarios)?
            .into_iter()
            .map(|path| {
                let s = Scenario::load(&path, &[])?;
                Ok(ScenarioEntry {
                    name: path
                        .file_stem()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                    description: s.description,
                    path,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if scenarios.is_empty() {
            return Err(Error::Options("the studio found no scenario files to serve".into()));
        }
        Ok(Library {
            scenarios,
            lessons: lesson::list(lessons)?,
            classroom,
        })
    }

    /// The catalog the page starts from.
    pub fn catalog(&self) -> Catalog {
        Catalog {
            scenarios: self.scenarios.clone(),
            lessons: self
                .lessons
                .iter()
                .map(|l| LessonEntry {
                    name: l.name.clone(),
                    title: l.title.clone(),
                    summary: l.summary.clone(),
                })
                .collect(),
            controls: CONTROLS,
        }
    }

    fn lesson(&self, name: &str) -> Result<&Lesson> {
        named(&self.lessons, name, "lesson", |l| &l.name)
    }

    fn scenario(&self, name: &str) -> Result<&ScenarioEntry> {
        named(&self.scenarios, name, "scenario", |s| &s.name)
    }
}

/// The item of `items` called `name`, or an error listing the names there are.
fn named<'a, T>(items: &'a [T], name: &str, what: &str, name_of: impl Fn(&T) -> &String) -> Result<&'a T> {
    items.iter().find(|x| name_of(x) == name).ok_or_else(|| {
        Error::Options(format!(
            "no {what} `{name}`; available: {}",
            items.iter().map(|x| name_of(x).as_str()).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// What the page asks for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// A shipped scenario (by name); or
    pub scenario: Option<String>,
    /// a lesson (by name).
    pub lesson: Option<String>,
    /// The sliders moved: control key -> value.
    #[serde(default)]
    pub edits: BTreeMap<String, f64>,
    /// In a lesson, the one scenario the lever sliders edit [default: the alternatives].
    pub target: Option<String>,
    /// Master seed [default: 42, or the lesson's].
    pub seed: Option<u64>,
}

/// The design a request asks for, ready to run.
#[derive(Debug, Clone)]
pub struct Arms {
    /// The scenarios; the first is the reference.
    pub scenarios: Vec<Scenario>,
    /// Labels for the page, one per scenario.
    pub labels: Vec<String>,
    /// The lesson, if one was asked for.
    pub lesson: Option<Lesson>,
    /// Names of the scenarios the lever sliders edit.
    pub targets: Vec<String>,
    /// The sliders' values before the changes (for the page and its reset).
    pub values: BTreeMap<&'static str, controls::Value>,
    /// Seed and replications.
    pub options: RunOptions,
}

fn checked_edits(edits: &BTreeMap<String, f64>) -> Result<Vec<(&'static Control, f64)>> {
    edits
        .iter()
        .map(|(key, v)| {
            let c = controls::find(key).ok_or_else(|| {
                Error::Options(format!(
                    "the studio has no control `{key}`; it offers: {}",
                    CONTROLS.iter().map(|c| c.key).collect::<Vec<_>>().join(", ")
                ))
            })?;
            if !v.is_finite() {
                return Err(Error::Options(format!("`{key}` must be a finite number")));
            }
            Ok((c, *v))
        })
        .collect()
}

fn values_of(scenario: &Scenario) -> BTreeMap<&'static str, controls::Value> {
    CONTROLS
        .iter()
        .filter_map(|c| controls::value(scenario, c).map(|v| (c.key, v)))
        .collect()
}

impl Library {
    /// The design `request` asks for.
    pub fn arms(&self, request: &Request, threads: usize) -> Result<Arms> {
        let edits = checked_edits(&request.edits)?;
        match (&request.scenario, &request.lesson) {
            (Some(name), None) => self.scenario_arms(name, &edits, request, threads),
            (None, Some(name)) => self.lesson_arms(self.lesson(name)?, &edits, request, threads),
            _ => Err(Error::Options("ask for one `scenario` or one `lesson`".into())),
        }
    }

    fn scenario_arms(
        &self,
        name: &str,
        edits: &[(&'static Control, f64)],
        request: &Request,
        threads: usize,
    ) -> Result<Arms> {
        if request.target.is_some() {
            return Err(Error::Options("`target` names a scenario of a lesson".into()));
        }
        let c = self.classroom;
        let shipped = Scenario::load(&self.scenario(name)?.path, &[])?.edited(&[
            Edit::set_value("simulation.customers", toml::Value::Integer(c.customers.into())),
            Edit::set_value("simulation.months", toml::Value::Integer(c.months.into())),
        ])?;
        let changes: Vec<Edit> = edits.iter().map(|(c, v)| controls::edit(&shipped, c, *v)).collect();
        let yours = shipped.edited(&changes)?;
        Ok(Arms {
            values: values_of(&shipped),
            labels: vec!["as shipped".into(), "your changes".into()],
            targets: vec![name.to_string()],
            scenarios: vec![shipped.renamed("shipped"), yours],
            lesson: None,
            options: RunOptions {
                seed: request.seed.unwrap_or(42),
                replications: c.replications,
                threads,
            },
        })
    }

    fn lesson_arms(
        &self,
        lesson: &Lesson,
        edits: &[(&'static Control, f64)],
        request: &Request,
        threads: usize,
    ) -> Result<Arms> {
        let plain = lesson::scenarios(lesson, None, &[])?;
        let names: Vec<String> = lesson.scenarios.iter().map(|s| s.name.clone()).collect();
        let targets: Vec<String> = match &request.target {
            Some(t) if names.contains(t) => vec![t.clone()],
            Some(t) => {
                return Err(Error::Options(format!(
                    "lesson `{}` has no scenario `{t}`; its scenarios: {}",
                    lesson.name,
                    names.join(", ")
                )));
            }
            None if names.len() == 1 => names.clone(),
            None => names[1..].to_vec(),
        };
        let mut scoped = Vec::new();
        for (c, v) in edits {
            match c.role {
                Role::Mechanism => scoped.push(LessonEdit {
                    scenario: None,
                    edit: controls::edit(&plain[0], c, *v),
                }),
                Role::Lever => {
                    for (s, name) in plain.iter().zip(&names).filter(|(_, n)| targets.contains(n)) {
                        scoped.push(LessonEdit {
                            scenario: Some(name.clone()),
                            edit: controls::edit(s, c, *v),
                        });
                    }
                }
            }
        }
        let mut scenarios = lesson::scenarios(lesson, None, &scoped)?;
        let mut labels: Vec<String> = scenarios.iter().map(Scenario::label).collect();
        if scenarios.len() == 1 {
            // One scenario: compare it with itself as shipped.
            scenarios.insert(0, plain[0].clone().renamed("shipped"));
            labels = vec!["as shipped".into(), "your changes".into()];
        }
        let first_target = names.iter().position(|n| *n == targets[0]).unwrap_or(0);
        Ok(Arms {
            values: values_of(&plain[first_target]),
            labels,
            targets,
            scenarios,
            lesson: Some(lesson.clone()),
            options: RunOptions {
                seed: request.seed.unwrap_or(lesson.seed),
                replications: lesson.replications.min(self.classroom.lesson_replications),
                threads,
            },
        })
    }
}

/// One scenario of the answer.
#[derive(Debug, Clone, Serialize)]
pub struct Arm {
    /// Name (as lesson placeholders use it).
    pub name: String,
    /// Label.
    pub label: String,
    /// CSS colour, as in the report.
    pub colour: String,
    /// Mean of every metric over replications.
    pub metrics: BTreeMap<&'static str, f64>,
    /// Per series: per month p5, p25, p50, p75, p95 over replications, and replication 0.
    pub bands: BTreeMap<&'static str, Band>,
    /// Shares of scored churners by last score 1-5.
    pub churners: [f64; 5],
    /// Annual churn by last score 1-5, pooled over replications.
    pub churn_by_score: [ScoreRate; 5],
    /// 12-month retention after a failure: silent, unresolved, resolved, resolved fast.
    pub paths: [f64; 4],
    /// The quality response sampled in replication 0.
    pub response: Response,
}

/// A series over months: the ensemble and one run.
#[derive(Debug, Clone, Serialize)]
pub struct Band {
    /// Per month: p5, p25, p50, p75, p95 over replications.
    pub quantiles: Vec<[f64; 5]>,
    /// Replication 0, month by month (the run the play view shows).
    pub single: Vec<f64>,
}

/// Sampled encounters against their position in the zone of tolerance.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// Up to [`Response::POINTS`] encounters: (position, 0 at adequate and 1 at desired;
    /// satisfaction response in points).
    pub points: Vec<[f32; 2]>,
    /// Mean response per bin of width 0.1 with at least 20 encounters: (bin centre, mean).
    pub bins: Vec<[f64; 2]>,
    /// Slope inside the zone and below it (satisfaction points per zone width).
    pub slope_inside: f64,
    /// Slope below the adequate level.
    pub slope_below: f64,
}

impl Response {
    /// Most encounters sent to the page.
    pub const POINTS: usize = 1500;

    fn of(sample: &[[f32; 2]]) -> Response {
        let stride = sample.len().div_ceil(Response::POINTS).max(1);
        let mut sums: BTreeMap<i64, (f64, u32)> = BTreeMap::new();
        for p in sample {
            let bin = (f64::from(p[0]) * 10.0).floor() as i64;
            let e = sums.entry(bin).or_default();
            e.0 += f64::from(p[1]);
            e.1 += 1;
        }
        Response {
            points: sample.iter().step_by(stride).copied().collect(),
            bins: sums
                .into_iter()
                .filter(|(_, (_, n))| *n >= 20)
                .map(|(b, (s, n))| [(b as f64 + 0.5) / 10.0, s / f64::from(n)])
                .collect(),
            slope_inside: crate::report::slope(sample, 0.05..0.95),
            slope_below: crate::report::slope(sample, -1.0..0.0),
        }
    }
}

/// One link of the chain for one alternative.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The metric.
    pub metric: Metric,
    /// What the page writes.
    pub label: &'static str,
    /// `share`, `eur`, `count` or `plain`.
    pub unit: &'static str,
    /// Reference mean.
    pub reference: f64,
    /// Alternative mean.
    pub value: f64,
    /// Mean paired difference.
    pub delta: f64,
    /// Its 95% interval.
    pub ci95: [f64; 2],
}

/// One alternative against the reference.
#[derive(Debug, Clone, Serialize)]
pub struct Versus {
    /// The alternative's index in `arms`.
    pub arm: usize,
    /// The chain, link by link.
    pub chain: Vec<Link>,
    /// Share of replications where its NPV beats the reference's.
    pub p_better: f64,
    /// Payback month, if any.
    pub payback_month: Option<u32>,
    /// Per month: p5..p95 of the paired difference in cumulative profit (EUR).
    pub difference: Vec<[f64; 5]>,
}

/// A lesson as this run tells it.
#[derive(Debug, Clone, Serialize)]
pub struct Told {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The story, with this run's numbers.
    pub story: String,
    /// Claims this run does not bear out.
    pub cautions: Vec<String>,
    /// The question for the class.
    pub question: String,
    /// Where the concept comes from.
    pub source: String,
    /// The page's charts the lesson shows first.
    pub charts: Vec<&'static str>,
}

/// The answer to a run request.
#[derive(Debug, Clone, Serialize)]
pub struct Reply {
    /// The request's number (the server's).
    pub id: u64,
    /// Time the simulation took (ms).
    pub elapsed_ms: f64,
    /// Customers at month 0, months, replications, seed.
    pub size: [u64; 4],
    /// The scenarios; the first is the reference.
    pub arms: Vec<Arm>,
    /// Every alternative against the reference.
    pub versus: Vec<Versus>,
    /// The sliders' values before the changes.
    pub values: BTreeMap<&'static str, controls::Value>,
    /// Scenarios the lever sliders edit.
    pub targets: Vec<String>,
    /// The lesson, if one was asked for.
    pub lesson: Option<Told>,
}

/// The chain of the page: (metric, label, unit).
const CHAIN: [(Metric, &str, &str); 5] = [
    (Metric::MeanDeliveredQuality, "Delivered quality (0-10)", "plain"),
    (Metric::MeanSatisfaction, "Satisfaction (reported, 1-5)", "plain"),
    (Metric::TopBoxShare, "Loyalty: top-box share", "share"),
    (Metric::AnnualRetention, "Retention (annual)", "share"),
    (Metric::Npv, "Profit: NPV", "eur"),
];

/// The page's chart of a lesson chart stem of the report.
fn page_chart(stem: &str) -> &'static str {
    match stem {
        "compare_cumulative_profit" => "difference",
        "fan_active_customers" | "fan_cumulative_profit" => "band",
        "churners_by_score" => "churners",
        "churn_by_score" => "churn",
        "quality_response" => "response",
        "retention_by_path" => "paths",
        _ => "chain",
    }
}

fn arm(run: &ScenarioRun, label: &str, index: usize) -> Arm {
    let counts = run
        .replications
        .iter()
        .fold(ScoreCounts::default(), |a, r| a.plus(&r.score_counts));
    let mean = |m: Metric| run.summary(m).mean;
    let series = [Series::ActiveCustomers, Series::Satisfaction, Series::CumulativeProfit];
    Arm {
        name: run.scenario.name.clone(),
        label: label.to_string(),
        colour: crate::report::charts::css_colour(index),
        metrics: Metric::ALL.iter().map(|m| (m.name(), mean(*m))).collect(),
        bands: series
            .iter()
            .map(|s| {
                let single = run.replications[0].monthly.iter().map(|r| s.of(r)).collect();
                (
                    s.name(),
                    Band {
                        quantiles: run.bands(*s),
                        single,
                    },
                )
            })
            .collect(),
        churners: std::array::from_fn(|k| mean(Metric::churner_share_score(k + 1))),
        churn_by_score: std::array::from_fn(|k| counts.annual_rate(k + 1)),
        paths: [
            Metric::RetentionSilent,
            Metric::RetentionUnresolved,
            Metric::RetentionResolved,
            Metric::RetentionFast,
        ]
        .map(mean),
        response: Response::of(&run.replications[0].response_sample),
    }
}

fn versus(result: &RunResult, comparison: &Comparison) -> Vec<Versus> {
    let base = &result.scenarios[0];
    comparison
        .comparisons
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let alt = &result.scenarios[i + 1];
            Versus {
                arm: i + 1,
                chain: CHAIN
                    .iter()
                    .map(|(m, label, unit)| Link {
                        metric: *m,
                        label,
                        unit,
                        reference: base.summary(*m).mean,
                        value: alt.summary(*m).mean,
                        delta: a.delta(*m).mean,
                        ci95: a.delta(*m).ci95,
                    })
                    .collect(),
                p_better: a.p_better,
                payback_month: a.payback_month,
                difference: a.cumulative_profit_bands.clone(),
            }
        })
        .collect()
}

/// Replications of recently run scenarios, so that an arm a slider did not change (the
/// reference, most of all) is not simulated again. A replication depends only on the
/// scenario's resolved parameters, the seed and its index, which together are the key.
#[derive(Debug, Default)]
pub struct Cache {
    entries: Mutex<VecDeque<(String, Vec<Replication>)>>,
}

impl Cache {
    /// Scenarios kept.
    const SIZE: usize = 24;

    fn key(scenario: &Scenario, options: &RunOptions) -> String {
        format!(
            "{}|{}|{}",
            options.seed,
            options.replications,
            toml::to_string(&scenario.resolved).unwrap_or_default()
        )
    }

    fn get(&self, key: &str) -> Option<Vec<Replication>> {
        let entries = self.entries.lock().ok()?;
        entries.iter().find(|(k, _)| k == key).map(|(_, r)| r.clone())
    }

    fn put(&self, key: String, replications: Vec<Replication>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(k, _)| *k != key);
            entries.push_back((key, replications));
            while entries.len() > Cache::SIZE {
                entries.pop_front();
            }
        }
    }

    /// Runs `design`, taking from the cache the variants it holds and keeping the others.
    pub fn run(&self, design: &Design, observer: &dyn Observe) -> Result<RunResult> {
        let keys: Vec<String> = design.variants.iter().map(|s| Cache::key(s, &design.options)).collect();
        let mut outcomes = Vec::new();
        let mut missing = Vec::new();
        for (variant, key) in keys.iter().enumerate() {
            match self.get(key) {
                Some(reps) => outcomes.extend(reps.into_iter().enumerate().map(|(r, rep)| {
                    (
                        Unit {
                            variant,
                            replication: r as u64,
                        },
                        rep,
                    )
                })),
                None => missing.extend(
                    design
                        .units()
                        .into_iter()
                        .filter(|u| u.variant == variant && !keys[..variant].contains(key)),
                ),
            }
        }
        let (ran, elapsed) = design.run_units(&missing, observer)?;
        for (variant, key) in keys.iter().enumerate() {
            let reps: Vec<Replication> = ran
                .iter()
                .filter(|(u, _)| u.variant == variant)
                .map(|(_, r)| r.clone())
                .collect();
            if !reps.is_empty() {
                self.put(key.clone(), reps);
            }
        }
        // A variant equal to an earlier one of the same design shares its replications.
        for (variant, key) in keys.iter().enumerate() {
            if !outcomes.iter().chain(&ran).any(|(u, _)| u.variant == variant)
                && let Some(reps) = self.get(key)
            {
                outcomes.extend(reps.into_iter().enumerate().map(|(r, rep)| {
                    (
                        Unit {
                            variant,
                            replication: r as u64,
                        },
                        rep,
                    )
                }));
            }
        }
        design.assemble([outcomes, ran].concat(), elapsed)
    }
}

/// Runs what `request` asks for and answers with the page's numbers; `observer` may stop it
/// (a newer request came).
pub fn run(
    library: &Library,
    cache: &Cache,
    request: &Request,
    threads: usize,
    observer: &dyn Observe,
) -> Result<Reply> {
    let arms = library.arms(request, threads)?;
    let options = arms.options.clone();
    let result = cache.run(&Design::new(arms.scenarios.clone(), options.clone())?, observer)?;
    let comparison = compare(&result);
    let lesson = arms
        .lesson
        .as_ref()
        .map(|l| {
            let told = lesson::story(l, &result, Some(&comparison))?;
            let mut charts: Vec<&'static str> = l.charts.iter().map(|c| page_chart(c)).collect();
            charts.dedup();
            Ok::<_, Error>(Told {
                name: l.name.clone(),
                title: l.title.clone(),
                story: told.narrative,
                cautions: told.cautions,
                question: l.question.clone(),
                source: l.source.clone(),
                charts,
            })
        })
        .transpose()?;
    let first = &result.scenarios[0].scenario;
    Ok(Reply {
        id: 0,
        elapsed_ms: result.elapsed.as_secs_f64() * 1e3,
        size: [
            u64::from(first.customers),
            u64::from(first.months),
            u64::from(options.replications),
            options.seed,
        ],
        arms: result
            .scenarios
            .iter()
            .zip(&arms.labels)
            .enumerate()
            .map(|(i, (r, l))| arm(r, l, i))
            .collect(),
        versus: versus(&result, &comparison),
        values: arms.values,
        targets: arms.targets,
        lesson,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Silent;

    fn library() -> Library {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let small = Classroom {
            customers: 1500,
            months: 24,
            replications: 3,
            lesson_replications: 2,
        };
        Library::open(&root.join("scenarios"), &root.join("scenarios/lessons"), small).unwrap()
    }

    #[test]
    fn a_slider_changes_the_alternative_only_and_the_difference_is_paired() {
        let lib = library();
        let request = Request {
            scenario: Some("baseline".into()),
            edits: [("levers.training".to_string(), 4000.0)].into(),
            ..Request::default()
        };
        let cache = Cache::default();
        let reply = run(&lib, &cache, &request, 1, &Silent).unwrap();
        assert_eq!(reply.arms.len(), 2);
        assert_eq!(reply.values["levers.training"].value, 1000.0);
        let npv = &reply.versus[0].chain[4];
        assert!(npv.delta.is_finite() && npv.delta != 0.0);
        let same = run(
            &lib,
            &cache,
            &Request {
                scenario: Some("baseline".into()),
                ..Request::default()
            },
            1,
            &Silent,
        )
        .unwrap();
        assert!(
            same.versus[0].chain.iter().all(|l| l.delta == 0.0),
            "no change, no difference"
        );
    }

    #[test]
    fn bad_requests_are_refused_with_what_is_allowed() {
        let lib = library();
        let ask = |r: Request| lib.arms(&r, 1).unwrap_err().to_string();
        assert!(ask(Request::default()).contains("one `scenario` or one `lesson`"));
        assert!(
            ask(Request {
                scenario: Some("../secret".into()),
                ..Request::default()
            })
            .contains("available: baseline")
        );
        assert!(
            ask(Request {
                scenario: Some("baseline".into()),
                edits: [("simulation.customers".to_string(), 1e9)].into(),
                ..Request::default()
            })
            .contains("no control")
        );
        assert!(
            ask(Request {
                lesson: Some("cycle-of-failure".into()),
                target: Some("nobody".into()),
                ..Request::default()
            })
            .contains("its scenarios: today, cuts")
        );
    }

    #[test]
    fn lesson_levers_edit_the_alternatives_and_the_story_follows_them() {
        let lib = library();
        let request = Request {
            lesson: Some("cycle-of-failure".into()),
            edits: [("levers.staff".to_string(), 36.0)].into(),
            ..Request::default()
        };
        let arms = lib.arms(&request, 1).unwrap();
        let staff = |i: usize, m: u32| arms.scenarios[i].draw(1, 0).levers.staff.at(m);
        assert_eq!((staff(0, 30), staff(1, 0), staff(1, 30)), (40.0, 40.0, 36.0));
        let reply = run(&lib, &Cache::default(), &request, 1, &Silent).unwrap();
        let told = reply.lesson.unwrap();
        assert!(told.story.contains("from 40 to 36 people"), "{}", told.story);
    }
}
