//! The `spc` command line: parses arguments, calls the library, prints, and
//! maps errors to exit codes (0 success, 1 failure while running or writing,
//! 2 bad input, 130 interrupted).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use spc::analysis::Recorded;
use spc::experiment::shard::{self, Kind, Shard};
use spc::scenario::Setting;
use spc::{Design, Error, Observe, Override, RunOptions, Scenario};

/// Agent-based Monte Carlo simulator of the service profit chain.
///
/// Simulates a service firm (by default a retail bank) month by month, with
/// employees and customers as agents, for many replications with uncertain
/// parameters, and reports the distribution of retention, satisfaction,
/// profit and NPV for each investment scenario.
#[derive(Parser, Debug)]
#[command(name = "spc", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run scenarios and write summary.json, replications.csv, monthly.csv and manifest.json.
    Run(RunArgs),
    /// Compare alternatives with a baseline on paired replications (common random numbers):
    /// NPV and metric differences with 95% intervals, chance of beating the baseline,
    /// incremental investment, ROI and payback month. Writes comparison.json besides the run files.
    Compare(CompareArgs),
    /// Check that a calibration reproduces the stylized facts F1-F10 of the service literature.
    /// Each fact is an experiment on the model; prints fact, measurement, target, pass/fail and
    /// source. Exit code 0 if every check passes, 3 if any fails.
    Validate(ValidateArgs),
    /// Lessons for trainers: `spc lesson` lists them, `spc lesson NAME` runs one and tells its story
    /// with this run's numbers, then writes charts and data to output/lessons/NAME/.
    Lesson(LessonArgs),
    /// Sweep scenario keys (levers included) over a full factorial grid, a Latin hypercube or
    /// Sobol' points, with replications on common random numbers. Writes sweep.csv (one row per
    /// point and replication) and sweep_summary.csv (mean and 95% interval per point).
    #[command(mut_arg("replications", |a| a.help(format!("Replications per point [default: {}]", defaults::SWEEP_REPLICATIONS))))]
    Sweep(SweepArgs),
    /// Which assumptions decide: tornado (with switching values), Morris elementary effects or
    /// Sobol' indices of a metric, or of the paired difference ALTERNATIVE minus SCENARIO.
    /// Writes sensitivity.json and sensitivity_runs.csv.
    #[command(mut_arg("replications", |a| a.help(format!(
        "Replications per point [default: {} for tornado, {} for morris and sobol]",
        defaults::TORNADO_REPLICATIONS,
        defaults::SCREENING_REPLICATIONS
    ))))]
    Sensitivity(SensitivityArgs),
    /// Calibrate free scenario keys to a bank's observed KPIs (ABC-SMC on common random numbers):
    /// writes calibration.json (prior and posterior per key, each target observed and simulated),
    /// calibrated.toml (extends SCENARIO; each replication takes one joint posterior point),
    /// charts and report.html.
    #[command(mut_arg("replications", |a| a.help(format!(
        "Replications per particle while calibrating [default: {}]",
        defaults::CALIBRATE_REPLICATIONS
    ))))]
    Calibrate(CalibrateArgs),
    /// The best setting of a few levers, optionally under an annual budget: a search on common
    /// random numbers, then a selection on fresh replications that says how sure the choice is.
    /// Each candidate of the search runs -r replications (default 10 here). Writes optimization.json.
    #[command(mut_arg("replications", |a| a.help(format!(
        "Replications per candidate of the search [default: {}]",
        defaults::OPTIMIZE_REPLICATIONS
    ))))]
    Optimize(OptimizeArgs),
    /// Combine the shard folders of a run split with --shard K/N into exactly the files
    /// the unsharded run writes (charts and report drawn here).
    Merge(MergeArgs),
    /// Write a Slurm batch script that runs a command as N array tasks (one shard each)
    /// and a merge job that depends on them; `--submit` also submits both.
    Slurm(SlurmArgs),
    /// A live classroom page on http://127.0.0.1:8737/: sliders for the levers and key
    /// mechanisms, the chain, the ensemble, churn by score and a month-by-month run with
    /// customers as dots, for any shipped scenario or lesson. Served by spc itself, offline.
    /// Stop it with Ctrl-C.
    Studio(StudioArgs),
}

#[derive(Args, Debug)]
struct StudioArgs {
    /// Port on 127.0.0.1 (0: any free port, printed at start).
    #[arg(long, value_name = "P", default_value_t = spc::studio::DEFAULT_PORT)]
    port: u16,
    /// Do not open the page in the desktop's browser (xdg-open); just print its address.
    #[arg(long)]
    no_open: bool,
    /// Folder of the scenario files offered.
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    scenarios: PathBuf,
    /// Folder of the lessons offered.
    #[arg(long, value_name = "DIR", default_value = "scenarios/lessons")]
    lessons: PathBuf,
    #[command(flatten)]
    threads: Threads,
}

#[derive(Args, Debug)]
struct SweepArgs {
    /// The scenario (file, or name in scenarios/).
    #[arg(value_name = "SCENARIO")]
    scenario: String,
    /// A key and its values, e.g. --grid "levers.training=0,1000,2000". Repeatable: the full
    /// factorial of all of them.
    #[arg(
        long,
        value_name = "KEY=V1,V2,...",
        required_unless_present = "design",
        conflicts_with = "design"
    )]
    grid: Vec<String>,
    /// A design file: `[design]` (method = "grid" | "lhs" | "sobol", points = N) and `[params]`
    /// ("key.path" = { min, max[, step] } or a distribution).
    #[arg(long, value_name = "FILE")]
    design: Option<PathBuf>,
    #[command(flatten)]
    sim: SimArgs,
}

/// Sensitivity methods.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum MethodArg {
    /// Each key low and high, the others central (paired, common random numbers).
    Tornado,
    /// Elementary effects on N trajectories: mu*, mu, sigma.
    Morris,
    /// First-order and total indices from N(k + 2) points.
    Sobol,
}

#[derive(Args, Debug)]
struct SensitivityArgs {
    /// The scenario (file, or name in scenarios/).
    #[arg(value_name = "SCENARIO")]
    scenario: String,
    /// An alternative: the output studied becomes the paired difference ALTERNATIVE minus SCENARIO.
    #[arg(value_name = "ALTERNATIVE")]
    alternative: Option<String>,
    /// Keys to vary: `[params]` with "key.path" = { min, max } or a distribution
    /// [default: every key the scenario declares uncertain].
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// The method.
    #[arg(long, value_enum, default_value = "tornado")]
    method: MethodArg,
    /// morris: trajectories [default: 10]; sobol: base sample N, N(k + 2) points [default: 64].
    #[arg(short = 'n', value_name = "N")]
    n: Option<usize>,
    /// The metric studied.
    #[arg(long, value_name = "METRIC", default_value = "npv")]
    output: String,
    /// tornado: also find the value of each key at which the output changes sign.
    #[arg(long)]
    switch: bool,
    #[command(flatten)]
    sim: SimArgs,
}

/// What `spc optimize` maximises.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ObjectiveArg {
    /// Mean NPV over replications.
    Npv,
    /// 10th percentile of NPV over replications (the bad-luck outcome).
    #[value(name = "p10_npv")]
    P10Npv,
    /// Share of replications whose NPV beats the scenario as it stands (paired).
    #[value(name = "p_better")]
    PBetter,
}

#[derive(Args, Debug)]
struct OptimizeArgs {
    /// The scenario (file, or name in scenarios/).
    #[arg(value_name = "SCENARIO")]
    scenario: String,
    /// The levers to vary: `[levers]` with LEVER = { min, max[, step] }, e.g.
    /// training = { min = 0, max = 16000 } and staff = { min = 30, max = 60, step = 1 }.
    /// Without a step a lever moves on 1/64 of its range (staff on whole FTE).
    #[arg(long, value_name = "FILE")]
    levers: PathBuf,
    /// Largest annual spend of the varied levers (EUR/year): training x staff, staff x salary x
    /// pay index, process, recovery, marketing and ambience, follow-up share x customers x 12 x
    /// cost per contact; levers not varied at their largest value. Never exceeded by any candidate.
    #[arg(long, value_name = "EUR_PER_YEAR")]
    budget: Option<f64>,
    /// What to maximise.
    #[arg(long, value_enum, default_value = "npv")]
    objective: ObjectiveArg,
    /// Add fresh replications until the chosen levers are shown, with 95% confidence, to be at
    /// most this far below the best finalist (objective units: EUR, or a share for p_better).
    #[arg(long, value_name = "X")]
    margin: Option<f64>,
    /// Candidates taken to the selection on fresh replications.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=50))]
    finalists: u16,
    /// Fresh replications per finalist in the selection's first stage.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..))]
    fresh: u32,
    /// Most fresh replications per finalist with --margin.
    #[arg(long, value_name = "N", default_value_t = 200, requires = "margin")]
    max_fresh: u32,
    /// Most candidates the search evaluates.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    max_evaluations: u32,
    #[command(flatten)]
    sim: SimArgs,
}

#[derive(Args, Debug)]
struct CalibrateArgs {
    /// The scenario to calibrate (file, or name in scenarios/).
    #[arg(value_name = "SCENARIO")]
    scenario: String,
    /// The targets file: `[targets]` METRIC = { value = V, sd = S } for any metric of summary.json,
    /// `[free]` "key.path" = { min = A, max = B } or a distribution (the prior).
    #[arg(long, value_name = "FILE")]
    targets: PathBuf,
    /// Particles per generation of the search.
    #[arg(long, value_name = "N", default_value_t = 300)]
    particles: usize,
    /// Joint posterior points written to calibrated.toml.
    #[arg(long, value_name = "N", default_value_t = 200)]
    points: usize,
    /// While calibrating: -r replications per particle [default: 4], the bank simulated on
    /// --sample customers [default: the scenario's, at most 2000; money and counts scaled up to
    /// the bank] over --months [default: at most 24]; calibrated.toml keeps the scenario's size,
    /// sample and horizon.
    #[command(flatten)]
    sim: SimArgs,
}

#[derive(Args, Debug)]
struct MergeArgs {
    /// The shard folders, every shard 0..N of one run exactly once, in any order.
    #[arg(value_name = "SHARD_DIR", required = true)]
    shards: Vec<PathBuf>,
    /// Output folder of the merged results.
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    out: PathBuf,
    /// No table; errors only.
    #[arg(short, long)]
    quiet: bool,
    /// Write only the data files: no plots/ and no report.html.
    #[arg(long)]
    no_plots: bool,
}

#[derive(Args, Debug)]
struct SlurmArgs {
    /// Number of shards (array tasks).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10000))]
    shards: u32,
    /// Folder for the scripts, the shard folders (shards/), the task logs (logs/) and the merged results (result/).
    #[arg(short, long, value_name = "DIR", default_value = "slurm")]
    out: PathBuf,
    /// CPUs per array task (its worker threads).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    cpus_per_task: u16,
    /// Time limit of each task, in Slurm's format (e.g. 30, 2:00:00).
    #[arg(long, value_name = "TIME", default_value = "1:00:00")]
    time: String,
    /// Partition to submit to [default: the cluster's default].
    #[arg(long, value_name = "NAME")]
    partition: Option<String>,
    /// Submit both jobs with sbatch (the merge job after the array succeeds).
    #[arg(long)]
    submit: bool,
    /// The command to split (`run ...`, `compare ...`, `sweep ...` or `sensitivity ...`), as given
    /// to spc, without --shard and --out.
    #[arg(value_name = "COMMAND", required = true, last = true, num_args = 1..)]
    command: Vec<String>,
}

#[derive(Args, Debug)]
struct LessonArgs {
    /// The lesson to run; without it, the lessons are listed.
    #[arg(value_name = "NAME")]
    name: Option<String>,
    /// Folder of lesson files.
    #[arg(long, value_name = "DIR", default_value = "scenarios/lessons")]
    lessons: PathBuf,
    /// Seed [default: the lesson's, so the numbers match the slides].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Customers per replication [default: the lesson's].
    #[arg(long, value_name = "N")]
    customers: Option<u32>,
    /// Replications [default: the lesson's].
    #[arg(short = 'r', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    #[command(flatten)]
    threads: Threads,
    /// Output folder [default: output/lessons/NAME].
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write only the data files, no charts.
    #[arg(long)]
    no_plots: bool,
    /// Change a key of every scenario of the lesson, or of one: --set levers.training=2000,
    /// --set cuts:levers.staff=36 (a schedule: --set 'cuts:levers.staff=[{ from_month = 0,
    /// value = 40 }, { from_month = 24, value = 36 }]'). Applied after the lesson's own. Repeatable.
    #[arg(long = "set", value_name = "[SCENARIO:]KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// The calibration to validate.
    #[arg(long, value_name = "FILE", default_value = "scenarios/baseline.toml")]
    scenario: PathBuf,
    /// Print the checks as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Master seed.
    #[arg(long, value_name = "S", default_value_t = defaults::SEED)]
    seed: u64,
    #[command(flatten)]
    threads: Threads,
    /// Replications per variant.
    #[arg(short = 'r', long, value_name = "N", default_value_t = defaults::VALIDATE_REPLICATIONS, value_parser = clap::value_parser!(u32).range(1..))]
    replications: u32,
    /// Customers per replication.
    #[arg(long, value_name = "N", default_value_t = defaults::VALIDATE_CUSTOMERS)]
    customers: u32,
    /// Override any key of the calibration, e.g. --set loyalty.top=0.35. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args, Debug)]
struct CompareArgs {
    /// The baseline scenario (file, or name in scenarios/).
    #[arg(value_name = "BASELINE")]
    baseline: String,
    /// One or more alternatives to compare with it.
    #[arg(value_name = "ALTERNATIVE", required = true)]
    alternatives: Vec<String>,
    /// Keep adding replications until the 95% interval of every NPV difference is narrower
    /// than plus or minus this many euros (or --max-replications is reached).
    #[arg(long, value_name = "EUR")]
    precision: Option<f64>,
    /// Upper limit on replications with --precision.
    #[arg(long, value_name = "N", default_value_t = 1000, requires = "precision")]
    max_replications: u32,
    #[command(flatten)]
    sim: SimArgs,
}

/// Flags shared by every command that simulates.
#[derive(Args, Debug, Clone)]
struct SimArgs {
    /// Replications per scenario [default: 60].
    #[arg(short = 'r', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// The bank's customers at month 0 (overrides simulation.customers of every scenario);
    /// amounts written per customers (`{ per = 10000, value = 40 }`) grow with it.
    #[arg(long, value_name = "N")]
    customers: Option<u32>,
    /// Simulate the bank on a representative sample of N customers (sets simulation.sample):
    /// amounts that grow with the bank (staff, budgets, acquisition, overhead) are scaled to the
    /// sample, per-customer quantities stay, and money and customer counts in the results are
    /// scaled back up to the bank's size (--customers or simulation.customers).
    #[arg(long, value_name = "N")]
    sample: Option<u32>,
    /// Horizon in months (overrides simulation.months of every scenario).
    #[arg(long, value_name = "N")]
    months: Option<u32>,
    /// Master seed of every random stream; the same seed gives the same results.
    #[arg(long, value_name = "S", default_value_t = defaults::SEED)]
    seed: u64,
    #[command(flatten)]
    threads: Threads,
    /// Override a scenario key: KEY=VALUE in every scenario, SCENARIO:KEY=VALUE only in the
    /// scenario of that name, e.g. --set training:levers.training=2000 or
    /// --set 'churn.exogenous={ dist = "uniform", min = 0.001, max = 0.003 }'. Repeatable.
    #[arg(long = "set", value_name = "[SCENARIO:]KEY=VALUE")]
    set: Vec<String>,
    /// Output folder.
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    out: PathBuf,
    /// No progress bar and no table; errors only.
    #[arg(short, long)]
    quiet: bool,
    /// Write only the data files: no plots/ and no report.html.
    #[arg(long)]
    no_plots: bool,
    /// Run only shard K of N (K from 0) of the replications and write a shard folder to --out
    /// instead of results; `spc merge` combines the N folders into the unsharded files.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Scenario files, or names of files in scenarios/ [default: every file in scenarios/].
    #[arg(value_name = "SCENARIO")]
    scenarios: Vec<String>,
    #[command(flatten)]
    sim: SimArgs,
}

/// Finds a scenario given as a path or as a name in `scenarios/`.
fn scenario_path(arg: &str) -> PathBuf {
    let p = PathBuf::from(arg);
    if p.exists() {
        return p;
    }
    let named = Path::new("scenarios").join(if arg.ends_with(".toml") {
        arg.to_string()
    } else {
        format!("{arg}.toml")
    });
    if named.exists() { named } else { p }
}

impl SimArgs {
    /// The flags that set scenario keys (--customers, --months), for every scenario.
    fn flags(&self) -> Vec<Override> {
        let mut out = Vec::new();
        if let Some(c) = self.customers {
            out.push(Override::flag("--customers", "simulation.customers", c));
        }
        if let Some(n) = self.sample {
            out.push(Override::flag("--sample", "simulation.sample", n));
        }
        if let Some(m) = self.months {
            out.push(Override::flag("--months", "simulation.months", m));
        }
        out
    }

    fn settings(&self) -> Result<Vec<Setting>, Error> {
        self.set.iter().map(|s| setting(s)).collect()
    }

    /// The scenarios `names` (every file in scenarios/ if none), each with the flags and the
    /// --set meant for it.
    fn load(&self, names: &[String]) -> Result<Vec<Scenario>, Error> {
        let files = if names.is_empty() {
            spc::scenario::discover(Path::new("scenarios"))?
        } else {
            names.iter().map(|n| scenario_path(n)).collect()
        };
        spc::scenario::load_all(&files, &self.flags(), &self.settings()?)
    }

    fn options(&self) -> RunOptions {
        self.options_with(defaults::RUN_REPLICATIONS)
    }

    /// Run options with `replications` unless -r says otherwise.
    fn options_with(&self, replications: u32) -> RunOptions {
        RunOptions {
            seed: self.seed,
            replications: self.replications.unwrap_or(replications),
            threads: self.threads.get(),
        }
    }

    fn load_one(&self, name: &str) -> Result<Scenario, Error> {
        let mut one = self.load(&[name.to_string()])?;
        Ok(one.remove(0))
    }

    fn outputs(&self) -> Outputs<'_> {
        Outputs {
            out: &self.out,
            quiet: self.quiet,
            no_plots: self.no_plots,
        }
    }

    /// With --shard: runs this shard of `design` and writes its shard folder; `true` if it did.
    fn run_shard(
        &self,
        design: &Design,
        kind: Kind,
        settings: serde_json::Value,
        terminal: &Terminal,
    ) -> anyhow::Result<bool> {
        let Some(shard) = self.shard else {
            return Ok(false);
        };
        let part = shard::run(design, shard, kind, settings, &command_line(), terminal)?;
        part.write(&self.out, &terminal.cancel)
            .with_context(|| format!("writing shard {shard} to {}", self.out.display()))?;
        let header = &part.header;
        terminal.finish();
        if !self.quiet {
            println!(
                "shard {shard}: {} of {} replications in {:.1} s, written to {}",
                header.units.len(),
                design.units().len(),
                header.elapsed_seconds,
                self.out.display()
            );
        }
        Ok(true)
    }
}

/// Where results go and what is written besides the data files.
struct Outputs<'a> {
    out: &'a Path,
    quiet: bool,
    no_plots: bool,
}

impl Outputs<'_> {
    /// Plots and report.html into the staging folder, unless --no-plots.
    fn report(&self, result: &spc::RunResult, c: Option<&spc::compare::Comparison>, stage: &Path) -> Result<(), Error> {
        if self.no_plots {
            Ok(())
        } else {
            spc::report::write(result, c, stage)
        }
    }

    /// The guards' warnings, on stderr even with --quiet: the figures of those scenarios mean little.
    fn warn(&self, result: &spc::RunResult) {
        for w in spc::guards::warnings(result) {
            eprintln!("warning: {w}");
        }
    }

    /// The files of `spc run`, then its table.
    fn run(&self, result: &spc::RunResult, cancel: &AtomicBool) -> anyhow::Result<()> {
        spc::output::write_all(result, self.out, &command_line(), cancel, &|stage| {
            self.report(result, None, stage)
        })
        .with_context(|| format!("writing results to {}", self.out.display()))?;
        if !self.quiet {
            print!("{}", spc::output::terminal_table(result));
            println!("results in {}", self.out.display());
        }
        self.warn(result);
        Ok(())
    }

    /// The files of `spc sweep`, then its table.
    fn sweep(
        &self,
        result: &spc::analysis::sweep::Sweep,
        recorded: &Recorded<spc::analysis::Points>,
        options: &RunOptions,
        cancel: &AtomicBool,
    ) -> anyhow::Result<()> {
        let scenario = recorded.scenarios.first().map_or("", |s| s.name.as_str());
        self.analysis(recorded, options, cancel, &|stage| {
            result.write(stage)?;
            if self.no_plots {
                Ok(())
            } else {
                spc::report::analysis_charts::write_sweep(result, scenario, stage)
            }
        })?;
        if !self.quiet {
            print!("{}", spc::analysis::sweep::table(result));
        }
        self.done()
    }

    /// The files of `spc sensitivity`, then its table.
    fn sensitivity(
        &self,
        study: &spc::analysis::sensitivity::Study,
        recorded: &Recorded<spc::analysis::sensitivity::Settings>,
        cancel: &AtomicBool,
    ) -> anyhow::Result<()> {
        self.analysis(recorded, &study.run, cancel, &|stage| {
            study.write(stage)?;
            if self.no_plots {
                Ok(())
            } else {
                spc::report::analysis_charts::write_sensitivity(study, stage)
            }
        })?;
        if !self.quiet {
            print!("{}", study.table());
        }
        self.done()
    }

    /// An analysis's files, written by `write`, and its manifest, all or none.
    fn analysis<S: serde::Serialize>(
        &self,
        recorded: &Recorded<S>,
        options: &RunOptions,
        cancel: &AtomicBool,
        write: &dyn Fn(&Path) -> Result<(), Error>,
    ) -> anyhow::Result<()> {
        spc::analysis::write_atomically(self.out, cancel, &|stage| {
            write(stage)?;
            recorded.write_manifest(options, &command_line(), stage)
        })
        .with_context(|| format!("writing results to {}", self.out.display()))
    }

    /// Says where the results are.
    fn done(&self) -> anyhow::Result<()> {
        if !self.quiet {
            println!("results in {}", self.out.display());
        }
        Ok(())
    }

    /// The files of `spc compare`, then its table.
    fn compare(
        &self,
        result: &spc::RunResult,
        comparison: &spc::compare::Comparison,
        precision: Option<spc::compare::Precision>,
        cancel: &AtomicBool,
    ) -> anyhow::Result<()> {
        spc::output::write_compared(result, comparison, self.out, &command_line(), cancel, &|stage| {
            self.report(result, Some(comparison), stage)
        })
        .with_context(|| format!("writing results to {}", self.out.display()))?;
        if !self.quiet {
            for note in spc::output::table::sample_notes(result) {
                println!("{note}");
            }
            print!("{}", spc::output::compare::comparison_table(comparison));
            if let Some(p) = precision {
                println!("{}", p.verdict(comparison).1);
            }
            println!("results in {}", self.out.display());
        }
        self.warn(result);
        Ok(())
    }
}

/// The defaults of the flags that several commands share, in one place.
mod defaults {
    /// --seed.
    pub const SEED: u64 = 42;
    /// -r of run and compare.
    pub const RUN_REPLICATIONS: u32 = 60;
    /// -r of sweep (per point).
    pub const SWEEP_REPLICATIONS: u32 = 10;
    /// -r of sensitivity's tornado (per point).
    pub const TORNADO_REPLICATIONS: u32 = 20;
    /// -r of sensitivity's Morris and Sobol' designs (per point: they have many).
    pub const SCREENING_REPLICATIONS: u32 = 2;
    /// -r of calibrate (per particle).
    pub const CALIBRATE_REPLICATIONS: u32 = 4;
    /// -r of optimize (per candidate of the search).
    pub const OPTIMIZE_REPLICATIONS: u32 = 10;
    /// -r of validate (per variant).
    pub const VALIDATE_REPLICATIONS: u32 = 20;
    /// --customers of validate.
    pub const VALIDATE_CUSTOMERS: u32 = 10_000;
}

/// The --threads flag of every command that simulates.
#[derive(Args, Debug, Clone, Copy)]
struct Threads {
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(short = 'j', long = "threads", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    given: Option<u16>,
}

impl Threads {
    /// Worker threads: as given (at least 1, checked by the parser, capped at a multiple of
    /// the cores with a note), or every core.
    fn get(self) -> usize {
        let (n, note) = spc::limits::threads(
            self.given.map_or_else(RunOptions::default_threads, usize::from),
            RunOptions::default_threads(),
        );
        if let Some(note) = note {
            eprintln!("{note} (--threads)");
        }
        n
    }
}

/// A `--set KEY=VALUE`, named with its flag in errors.
fn set_override(s: &str) -> Result<Override, Error> {
    setting(s).and_then(|t| match t.scenario {
        None => Ok(t.set),
        Some(_) => Err(Error::Override {
            assignment: format!("--set {s}"),
            message: "this command reads one scenario: write KEY=VALUE without a scenario name".into(),
        }),
    })
}

/// A `--set [SCENARIO:]KEY=VALUE`, named with its flag in errors.
fn setting(s: &str) -> Result<Setting, Error> {
    match s.parse::<Setting>() {
        Ok(t) => Ok(Setting {
            set: t.set.labelled(format!("--set {s}")),
            ..t
        }),
        Err(Error::Override { assignment, message }) => Err(Error::Override {
            assignment: format!("--set {assignment}"),
            message,
        }),
        Err(e) => Err(e),
    }
}

/// What a typed usage error says on the command line: the library's message with
/// the flag that carried the value.
fn usage_message(u: &spc::error::Usage) -> String {
    use spc::error::Usage;
    match u {
        Usage::Shard { .. } => format!("--shard {u}"),
        Usage::Grid { .. } => format!("--grid {u}"),
        Usage::SampleSize { .. } => format!("-n: {u}"),
        Usage::Budget { .. } => format!("--budget {u}"),
        Usage::Margin { .. } => format!("--margin {u}"),
        Usage::NoFactors => {
            "no keys to study: give --params FILE, or declare parameters of the scenario uncertain".into()
        }
        _ => u.to_string(),
    }
}

/// The terminal's view of a run: a progress bar over the work units the
/// library plans, and Ctrl-C / SIGTERM, which stop the run (nothing is written).
struct Terminal {
    bar: ProgressBar,
    cancel: Arc<AtomicBool>,
}

impl Terminal {
    fn new(quiet: bool) -> Terminal {
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        // If a handler is already installed (tests), keep running without one.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} replications, ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        };
        Terminal { bar, cancel }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observe for Terminal {
    fn planned(&self, units: u64) {
        self.bar.inc_length(units);
    }
    fn done(&self) {
        self.bar.inc(1);
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

fn run(args: &RunArgs) -> anyhow::Result<()> {
    let sim = &args.sim;
    let scenarios = sim.load(&args.scenarios)?;
    let terminal = Terminal::new(sim.quiet);
    let design = Design::new(scenarios, sim.options())?;
    if sim.run_shard(&design, Kind::Run, serde_json::json!({}), &terminal)? {
        return Ok(());
    }
    let result = design.run(&terminal)?;
    terminal.finish();
    sim.outputs().run(&result, &terminal.cancel)
}

fn compare(args: &CompareArgs) -> anyhow::Result<()> {
    let sim = &args.sim;
    let names: Vec<String> = std::iter::once(args.baseline.clone())
        .chain(args.alternatives.iter().cloned())
        .collect();
    let scenarios = sim.load(&names)?;
    let precision = args.precision.map(|half_width| spc::compare::Precision {
        half_width,
        max_replications: args.max_replications,
    });
    if sim.shard.is_some() && precision.is_some() {
        return Err(Error::Options(
            "--shard cannot be used with --precision: each round's size depends on the results of the rounds before"
                .into(),
        )
        .into());
    }
    let terminal = Terminal::new(sim.quiet);
    let design = Design::new(scenarios, sim.options())?;
    if sim.run_shard(&design, Kind::Compare, serde_json::json!({}), &terminal)? {
        return Ok(());
    }
    let (result, comparison) = spc::compare::run(&design, precision, &terminal)?;
    terminal.finish();
    sim.outputs().compare(&result, &comparison, precision, &terminal.cancel)
}

fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    let merged = shard::merge(&args.shards)?;
    let outputs = Outputs {
        out: &args.out,
        quiet: args.quiet,
        no_plots: args.no_plots,
    };
    let terminal = Terminal::new(args.quiet);
    match merged.kind {
        Kind::Run => outputs.run(&merged.result, &terminal.cancel),
        Kind::Compare => outputs.compare(
            &merged.result,
            &spc::compare::compare(&merged.result),
            None,
            &terminal.cancel,
        ),
        Kind::Sweep => {
            let recorded: Recorded<spc::analysis::Points> = settings(&merged)?;
            let sweep = recorded.design.clone().sweep(&merged.result)?;
            outputs.sweep(&sweep, &recorded, &merged.result.options, &terminal.cancel)
        }
        Kind::Sensitivity => {
            let recorded: Recorded<spc::analysis::sensitivity::Settings> = settings(&merged)?;
            let study = recorded.design.analyse(&recorded.scenarios, &merged.result)?;
            outputs.sensitivity(&study, &recorded, &terminal.cancel)
        }
    }
}

/// The analysis settings the shards recorded.
fn settings<S: serde::de::DeserializeOwned>(merged: &shard::Merged) -> Result<S, Error> {
    serde_json::from_value(merged.settings.clone())
        .map_err(|e| Error::Options(format!("the shards' {} settings are unreadable: {e}", merged.kind)))
}

fn slurm(args: &SlurmArgs) -> anyhow::Result<()> {
    let spc = std::env::current_exe().context("finding the spc binary for the batch scripts")?;
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let out = cwd.join(&args.out);
    let plan = spc::slurm::Plan {
        spc,
        workdir: cwd,
        out,
        shards: args.shards,
        cpus_per_task: args.cpus_per_task,
        time: args.time.clone(),
        partition: args.partition.clone(),
        command: args.command.clone(),
    };
    let files = plan.write()?;
    println!(
        "wrote {}",
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if args.submit {
        let (array, merge) = plan.submit()?;
        println!(
            "submitted array job {array} ({} tasks) and merge job {merge}",
            args.shards
        );
        println!("results in {}", plan.out.join("result").display());
    } else {
        println!("submit with: bash {}", plan.out.join(spc::slurm::SUBMIT).display());
    }
    Ok(())
}

fn lesson(args: &LessonArgs) -> anyhow::Result<()> {
    let Some(name) = &args.name else {
        for l in spc::lesson::list(&args.lessons)? {
            println!("{:<18} {}", l.name, l.summary);
        }
        println!(
            "\nRun one with: spc lesson NAME   (files in {})",
            args.lessons.display()
        );
        return Ok(());
    };
    let path = args.lessons.join(format!("{name}.toml"));
    if !path.is_file() {
        let known: Vec<String> = spc::lesson::list(&args.lessons)?.into_iter().map(|l| l.name).collect();
        return Err(Error::Options(format!("no lesson `{name}`; available: {}", known.join(", "))).into());
    }
    let lesson = spc::lesson::load(&path)?;
    let options = spc::lesson::LessonOptions {
        seed: args.seed,
        customers: args.customers,
        replications: args.replications,
        threads: args.threads.get(),
        edits: args.set.iter().map(|s| s.parse()).collect::<Result<_, _>>()?,
    };
    let terminal = Terminal::new(false);
    let outcome = spc::lesson::run(&lesson, &options, &terminal)?;
    terminal.finish();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join("lessons").join(name));
    spc::lesson::write(&outcome, &out, &command_line(), !args.no_plots, &terminal.cancel)
        .with_context(|| format!("writing the lesson to {}", out.display()))?;
    print!("{}", outcome.text);
    println!("\nCharts and data in {}", out.display());
    Ok(())
}

fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    use spc::analysis::{design::ParamsFile, sweep};
    let sim = &args.sim;
    let scenario = sim.load_one(&args.scenario)?;
    let options = sim.options_with(defaults::SWEEP_REPLICATIONS);
    let points = match &args.design {
        Some(file) => sweep::file_points(&ParamsFile::load(file, "params", &scenario)?, options.seed)?,
        None => sweep::factorial(
            &args
                .grid
                .iter()
                .map(|g| sweep::grid_arg(&scenario, g))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let terminal = Terminal::new(sim.quiet);
    let arms = spc::analysis::Arms {
        scenario: &scenario,
        alternative: None,
    };
    let design = points.design(arms, &options)?;
    let recorded = spc::analysis::Recorded::new(arms, points)?;
    if sim.run_shard(&design, Kind::Sweep, serde_json::to_value(&recorded)?, &terminal)? {
        return Ok(());
    }
    let result = sweep::run(&scenario, recorded.design.clone(), &options, &terminal)?;
    terminal.finish();
    sim.outputs().sweep(&result, &recorded, &options, &terminal.cancel)
}

fn sensitivity(args: &SensitivityArgs) -> anyhow::Result<()> {
    use spc::analysis::sensitivity::{self, Method};
    let sim = &args.sim;
    let names: Vec<String> = std::iter::once(args.scenario.clone())
        .chain(args.alternative.clone())
        .collect();
    let mut loaded = sim.load(&names)?;
    let alternative = (loaded.len() > 1).then(|| loaded.remove(1));
    let scenario = loaded.remove(0);
    let factors = match &args.params {
        Some(file) => spc::analysis::design::ParamsFile::load(file, "params", &scenario)?.factors,
        None => spc::analysis::design::uncertain_factors(&scenario),
    };
    let (method, n, replications) = match args.method {
        MethodArg::Tornado => (Method::Tornado, 0, defaults::TORNADO_REPLICATIONS),
        MethodArg::Morris => (Method::Morris, args.n.unwrap_or(10), defaults::SCREENING_REPLICATIONS),
        MethodArg::Sobol => (Method::Sobol, args.n.unwrap_or(64), defaults::SCREENING_REPLICATIONS),
    };
    let options = sensitivity::Options {
        method,
        n,
        output: spc::analysis::metric(&args.output)?,
        switch: args.switch,
    };
    let arms = spc::analysis::Arms {
        scenario: &scenario,
        alternative: alternative.as_ref(),
    };
    let terminal = Terminal::new(sim.quiet);
    let run = sim.options_with(replications);
    let recorded = spc::analysis::Recorded::new(arms, sensitivity::Settings::new(arms, &factors, options))?;
    if sim.shard.is_some() {
        let design = sensitivity::plan(&factors, options, run.seed)?
            .points
            .design(arms, &run)?;
        sim.run_shard(&design, Kind::Sensitivity, serde_json::to_value(&recorded)?, &terminal)?;
        return Ok(());
    }
    let study = sensitivity::run(arms, &factors, options, &run, &terminal)?;
    terminal.finish();
    sim.outputs().sensitivity(&study, &recorded, &terminal.cancel)
}

/// Most customers simulated while calibrating (a sample of a larger bank).
const CALIBRATION_SAMPLE: u32 = 2000;

/// Longest horizon simulated while calibrating (months): the KPIs describe today's bank.
const CALIBRATION_MONTHS: u32 = 24;

fn calibrate(args: &CalibrateArgs) -> anyhow::Result<()> {
    use spc::analysis::calibrate::{self, TargetsFile};
    let sim = &args.sim;
    if sim.shard.is_some() {
        return Err(Error::Options(
            "--shard is not taken by `spc calibrate`: each generation depends on the one before".into(),
        )
        .into());
    }
    if !sim.set.is_empty() {
        return Err(Error::Options(
            "--set is not taken by `spc calibrate`: calibrated.toml extends the scenario file, so write the change there".into(),
        )
        .into());
    }
    let path = scenario_path(&args.scenario);
    let scenario = Scenario::load(&path, &[])?;
    let file = TargetsFile::load(&args.targets, &scenario)?;
    // The bank as it is (its size, its staff and budgets, absolute or per customers), simulated
    // on a sample of at most CALIBRATION_SAMPLE customers over at most CALIBRATION_MONTHS.
    let bank = sim.customers.unwrap_or(scenario.bank_customers);
    let sample = sim
        .sample
        .unwrap_or(scenario.customers.min(bank).min(CALIBRATION_SAMPLE));
    let mut size = vec![Override::flag(
        "--months",
        "simulation.months",
        sim.months.unwrap_or(scenario.months.min(CALIBRATION_MONTHS)),
    )];
    if let Some(n) = sim.customers {
        size.push(Override::flag("--customers", "simulation.customers", n));
    }
    if sample < bank || sim.sample.is_some() {
        size.push(Override::flag("--sample", "simulation.sample", sample));
    }
    let calibrating = Scenario::load(&path, &size)?;
    file.check_against(&scenario, &calibrating)?;
    let options = calibrate::Options {
        particles: args.particles,
        points: args.points,
        ..calibrate::Options::default()
    };
    let terminal = Terminal::new(sim.quiet);
    let result = calibrate::run(
        &calibrating,
        &file,
        &options,
        &sim.options_with(defaults::CALIBRATE_REPLICATIONS),
        &terminal,
    )?;
    terminal.finish();
    spc::analysis::write_atomically(&sim.out, &terminal.cancel, &|stage| {
        result.write(&scenario, stage)?;
        if sim.no_plots {
            Ok(())
        } else {
            spc::report::analysis_charts::write_calibration(&result, stage)
        }
    })
    .with_context(|| format!("writing results to {}", sim.out.display()))?;
    if !sim.quiet {
        print!("{}", result.table());
    }
    // On stderr even with --quiet, as run's guards: the calibrated figures mean little.
    for w in result.warnings() {
        eprintln!("warning: {w}");
    }
    if !sim.quiet {
        println!("results in {}", sim.out.display());
    }
    Ok(())
}

fn optimize(args: &OptimizeArgs) -> anyhow::Result<()> {
    use spc::analysis::optimize::{self, Objective, Settings};
    let sim = &args.sim;
    if sim.shard.is_some() {
        return Err(Error::Options(
            "--shard cannot be used with optimize: each round of the search depends on the results of the rounds before"
                .into(),
        )
        .into());
    }
    let scenario = sim.load_one(&args.scenario)?;
    let knobs = optimize::load_levers(&args.levers, &scenario)?;
    let settings = Settings {
        objective: match args.objective {
            ObjectiveArg::Npv => Objective::Npv,
            ObjectiveArg::P10Npv => Objective::P10Npv,
            ObjectiveArg::PBetter => Objective::PBetter,
        },
        budget: args.budget,
        finalists: usize::from(args.finalists),
        fresh: args.fresh,
        max_fresh: args.max_fresh,
        margin: args.margin,
        max_evaluations: args.max_evaluations as usize,
        slices: !sim.no_plots,
    };
    let arms = spc::analysis::Arms {
        scenario: &scenario,
        alternative: None,
    };
    let recorded = spc::analysis::Recorded::new(arms, settings.record(&knobs))?;
    let options = sim.options_with(defaults::OPTIMIZE_REPLICATIONS);
    let terminal = Terminal::new(sim.quiet);
    let result = optimize::run(&scenario, &knobs, settings, &options, &terminal)?;
    terminal.finish();
    let out = sim.outputs();
    out.analysis(&recorded, &options, &terminal.cancel, &|stage| {
        result.write(stage)?;
        if sim.no_plots {
            Ok(())
        } else {
            spc::report::optimize_page::write(&result, stage)
        }
    })?;
    if !sim.quiet {
        print!("{}", result.table());
    }
    out.done()
}

fn studio(args: &StudioArgs) -> anyhow::Result<()> {
    let library =
        spc::studio::api::Library::open(&args.scenarios, &args.lessons, spc::studio::api::Classroom::DEFAULT)?;
    let studio = spc::studio::Studio::bind(spc::studio::LOOPBACK, args.port, library, args.threads.get())?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    println!("spc studio: {}   (Ctrl-C to stop)", studio.url());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    if !args.no_open {
        spc::studio::open_browser(&studio.url());
    }
    studio.serve(&stop)?;
    println!("spc studio stopped");
    Ok(())
}

/// Exit code when a validation check fails.
const CHECK_FAILED: u8 = 3;

fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let overrides: Vec<Override> = args.set.iter().map(|s| set_override(s)).collect::<Result<_, _>>()?;
    let options = spc::validate::ValidateOptions {
        run: RunOptions {
            seed: args.seed,
            replications: args.replications,
            threads: args.threads.get(),
        },
        customers: args.customers,
    };
    let terminal = Terminal::new(args.json);
    let checks = spc::validate::validate(&args.scenario, &overrides, &options, &terminal)?;
    terminal.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        print!("{}", spc::validate::table(&checks));
    }
    Ok(if checks.iter().all(|c| c.pass) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(CHECK_FAILED)
    })
}

fn exit_code(e: &anyhow::Error) -> u8 {
    e.downcast_ref::<Error>().map_or(1, Error::exit_code)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Run(args) => run(args).map(|()| ExitCode::SUCCESS),
        Command::Compare(args) => compare(args).map(|()| ExitCode::SUCCESS),
        Command::Validate(args) => validate(args),
        Command::Lesson(args) => lesson(args).map(|()| ExitCode::SUCCESS),
        Command::Sweep(args) => sweep(args).map(|()| ExitCode::SUCCESS),
        Command::Sensitivity(args) => sensitivity(args).map(|()| ExitCode::SUCCESS),
        Command::Calibrate(args) => calibrate(args).map(|()| ExitCode::SUCCESS),
        Command::Optimize(args) => optimize(args).map(|()| ExitCode::SUCCESS),
        Command::Merge(args) => merge(args).map(|()| ExitCode::SUCCESS),
        Command::Slurm(args) => slurm(args).map(|()| ExitCode::SUCCESS),
        Command::Studio(args) => studio(args).map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<Error>() {
                Some(Error::Usage(u)) => eprintln!("error: {}", usage_message(u)),
                _ => eprintln!("error: {e:#}"),
            }
            if let Some(Error::Memory { .. }) = e.downcast_ref::<Error>() {
                eprintln!("hint: use fewer --customers or --threads, or split --replications into several runs");
            }
            ExitCode::from(exit_code(&e))
        }
    }
}
