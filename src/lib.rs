//! # spc: an agent-based Monte Carlo simulator of the service profit chain
//!
//! A service firm (by default a retail bank) is simulated month by month with
//! employees and customers as agents: employee capability and satisfaction ->
//! delivered quality -> quality perceived against each customer's zone of
//! tolerance -> satisfaction -> loyalty -> retention and word of mouth ->
//! revenue, cost, profit and NPV. Each scenario runs for many replications in
//! parallel, with uncertain parameters drawn per replication.
//!
//! Layout: [`scenario`] reads and checks scenario files; [`model`] holds the
//! chain's links, one module each; [`engine`] runs replications in parallel
//! on keyed random streams ([`rng`], with the hot loops' normal draws in [`normal`]); [`experiment`] is the one typed layer
//! every analysis ([`compare`], [`validate`], [`lesson`], ...) builds its
//! designs on; [`studio`] serves the live classroom page; [`metrics`] and [`stats`] turn months
//! into results; [`output`] writes files and tables. The `spc` binary only
//! parses arguments and calls these.

#![warn(missing_docs)]

pub mod analysis;
pub mod compare;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod guards;
pub mod lesson;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod normal;
pub mod output;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod slurm;
pub mod stats;
pub mod studio;
pub mod validate;

pub use error::{Error, Result};
pub use experiment::{Design, Observe, RunOptions, RunResult};
pub use scenario::{Edit, Override, Scenario};
