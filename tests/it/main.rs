//! Integration tests: one test binary driving the real `spc` binary on the
//! shipped scenario files.

mod bank;
mod calibrate;
mod cli;
mod compare;
mod determinism;
mod exports;
mod facts;
mod golden;
mod history;
mod lesson;
mod optimize;
mod properties;
mod ranking;
mod report;
mod robust;
mod sensitivity;
mod shards;
mod slurm;
mod studio;
mod sweep;
mod util;
mod validate;
mod webdriver;
