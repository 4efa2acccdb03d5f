//! Issue 17: the history before month 0 (`simulation.history`) under the bank's status quo
//! (`[status_quo]`): it starts the front line and the customers as running the bank left them,
//! an alternative changes the bank from month 0 on and not its past, and results stay the same
//! bytes for any thread count.

use spc::Override;
use spc::model::Firm;
use spc::scenario::{Drawn, Scenario};

use crate::util::{run, scenario};

fn load(name: &str, overrides: &[&str]) -> Scenario {
    let o: Vec<Override> = overrides.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::load(&scenario(name), &o).unwrap()
}

/// Replication 1 of `sc` under seed 42.
fn draw(sc: &Scenario) -> Drawn {
    sc.draw(42, 1)
}

/// The firm of `sc`, drawn as `d`, at month 0 (after its history).
fn at_month_0<'d>(sc: &Scenario, d: &'d Drawn) -> Firm<'d> {
    Firm::new(d, sc.customers, 12, 42, 1)
}

#[test]
fn a_history_starts_the_front_line_and_the_customers_where_the_status_quo_left_them() {
    let fresh = load("baseline", &["simulation.customers=10000", "simulation.history=0"]);
    let run_in = load("baseline", &["simulation.customers=10000", "simulation.history=36"]);
    let (da, db) = (draw(&fresh), draw(&run_in));
    let (mut a, mut b) = (at_month_0(&fresh, &da), at_month_0(&run_in, &db));
    let grievance = |f: &Firm| f.customers.iter().map(|c| c.grievance).sum::<f64>();
    let failures = |f: &Firm| f.customers.iter().map(|c| u64::from(c.failures)).sum::<u64>();
    assert_eq!(grievance(&a), 0.0, "freshly drawn customers carry no grievance");
    assert!(
        grievance(&b) > 50.0 && failures(&b) > 2500,
        "three years of service leave grievances ({}) and failures ({})",
        grievance(&b),
        failures(&b)
    );
    assert_eq!(b.customers.len(), 10000, "the bank keeps its size through its history");
    // The first month after the history is a month like the others: churn at its level
    // of the history's last months, not the grievance-free dip of a fresh start.
    let churn = |f: &mut Firm, m: u32| f64::from(f.step(m).churned);
    assert!(
        churn(&mut b, 0) > churn(&mut a, 0),
        "month 0 churn with grievances above without"
    );
}

#[test]
fn an_alternative_changes_the_bank_from_month_0_not_its_past() {
    let history = ["simulation.customers=1500", "simulation.history=24"];
    let base = load("baseline", &history);
    let training = load("training", &history);
    let (db, dt) = (draw(&base), draw(&training));
    let (fb, ft) = (at_month_0(&base, &db), at_month_0(&training, &dt));
    assert_ne!(db.levers.training.at(0), dt.levers.training.at(0));
    assert_eq!(
        db.status_quo.training, dt.status_quo.training,
        "the status quo is inherited"
    );
    for i in 0..1500 {
        assert_eq!(fb.customers.get(i), ft.customers.get(i), "customer {i} at month 0");
    }
    // A status quo of its own gives another past.
    let own = load("training", &[history[0], history[1], "status_quo.training=3000"]);
    let d_own = draw(&own);
    let fo = at_month_0(&own, &d_own);
    assert!(
        (0..1500).any(|i| fo.customers.get(i) != fb.customers.get(i)),
        "a bank trained at 3,000 EUR for two years has other customers at month 0"
    );
}

#[test]
fn lever_overrides_leave_the_status_quo_and_it_grows_with_the_bank() {
    let sc = load("baseline", &["levers.staff=30", "simulation.customers=20000"]);
    let d = sc.draw(1, 0);
    assert_eq!(d.levers.staff.at(0), 30.0, "the override changes the lever");
    assert_eq!(d.status_quo.staff, 80.0, "40 FTE per 10,000 customers, for 20,000");
    let plain = load("baseline", &[]);
    let d = plain.draw(1, 0);
    assert_eq!(d.history, 36, "the shipped baseline runs three years before month 0");
    let same = [
        (d.status_quo.training, d.levers.training.at(0)),
        (d.status_quo.staff, d.levers.staff.at(0)),
        (d.status_quo.process, d.levers.process.at(0)),
        (d.status_quo.recovery, d.levers.recovery.at(0)),
        (d.status_quo.followup, d.levers.followup.at(0)),
        (d.status_quo.price_index, d.levers.price_index.at(0)),
        (d.status_quo.marketing, d.levers.marketing.at(0)),
        (d.status_quo.pay_index, d.levers.pay_index.at(0)),
        (d.status_quo.ambience, d.levers.ambience.at(0)),
    ];
    assert!(
        same.iter().all(|(a, b)| a == b),
        "the baseline's status quo is its levers: {same:?}"
    );
}

#[test]
fn with_a_history_the_thread_count_changes_no_byte() {
    let bank = [
        "baseline",
        "--customers",
        "2000",
        "--months",
        "12",
        "-r",
        "4",
        "--no-plots",
    ];
    let history = [&bank[..], &["--set", "simulation.history=12"]].concat();
    let one = run(&[&history[..], &["--threads", "1"]].concat());
    let two = run(&[&history[..], &["--threads", "2"]].concat());
    let read = |dir: &tempfile::TempDir, file: &str| std::fs::read(dir.path().join(file)).unwrap();
    for file in ["replications.csv", "monthly.csv"] {
        assert!(
            read(&one, file) == read(&two, file),
            "{file} differs between 1 and 2 threads"
        );
    }
    let none = run(&bank);
    assert!(
        read(&one, "replications.csv") != read(&none, "replications.csv"),
        "the history changes the results"
    );
}
