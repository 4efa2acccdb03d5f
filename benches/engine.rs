//! Benchmarks of the monthly customer step, drawing new customers, the employee step, a whole
//! replication, and the random draws alone (the floor a customer-month cannot go below).
//! `cargo bench`.

use std::path::Path;

use divan::Bencher;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use spc::model::Firm;
use spc::model::customers::Customer;
use spc::model::employees::{StaffLevers, Workforce};
use spc::rng::{self, Kind, Purpose, StreamKey};
use spc::scenario::Scenario;

fn main() {
    divan::main();
}

const CUSTOMERS: u32 = 10_000;

fn baseline() -> Scenario {
    Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
        &[],
    )
    .expect("baseline")
}

/// One month of 10,000 customers (items = customer-months).
#[divan::bench]
fn customer_month_step(b: Bencher) {
    let s = baseline();
    let drawn = s.draw(1, 0);
    b.counter(divan::counter::ItemsCount::new(CUSTOMERS))
        .with_inputs(|| Firm::new(&drawn, CUSTOMERS, 120, 1, 0))
        .bench_local_refs(|firm| firm.step(5));
}

/// Drawing 10,000 new customers (items = customers): the set-up of a replication and,
/// about a hundred a month, the acquisitions.
#[divan::bench]
fn customer_draw(b: Bencher) {
    let d = baseline().draw(1, 0);
    b.counter(divan::counter::ItemsCount::new(CUSTOMERS)).bench_local(|| {
        (0..u64::from(CUSTOMERS))
            .map(|id| Customer::draw(1, 0, id, id % 2 == 0, &d.params).satisfaction)
            .sum::<f64>()
    });
}

/// One month of a 40-FTE front line.
#[divan::bench]
fn employee_step(b: Bencher) {
    let d = baseline().draw(1, 0);
    let lv = StaffLevers {
        staff: 40,
        training_effect: 0.4,
        process_effect: 0.5,
        pay_index: 1.0,
    };
    b.with_inputs(|| Workforce::new(1, 0, 40, 40, &d.params.employees))
        .bench_local_refs(|w| {
            w.step(
                spc::rng::Salt::new(spc::rng::Purpose::Month, 5),
                13_700.0,
                lv,
                &d.params.employees,
                &d.params.quality,
            )
        });
}

/// A whole replication: 10,000 customers over 120 months (items = the customer-months it
/// simulates, counted by a first run, as the customer base changes over the years).
#[divan::bench(sample_count = 10)]
fn replication(b: Bencher) {
    let s = baseline();
    let run = || spc::engine::replicate(&s, 1, 0, 0, &|| false).expect("not cancelled");
    let customer_months = run().customer_months;
    b.counter(divan::counter::ItemsCount::new(customer_months))
        .bench_local(run);
}

/// The random draws of 10,000 customer-months alone, as the monthly step makes them: seeding
/// each customer-month stream, two 64-bit draws split into four uniforms, the survey's uniform
/// and normal in one month of three, and 1.37 encounters of one 64-bit draw and one normal.
#[divan::bench]
fn random_draws_floor(b: Bencher) {
    let keys: Vec<StreamKey> = (0..u64::from(CUSTOMERS))
        .map(|id| StreamKey::new(1, 0, Kind::Customer, id))
        .collect();
    b.counter(divan::counter::ItemsCount::new(CUSTOMERS)).bench_local(|| {
        let mut acc = 0.0;
        for (i, k) in keys.iter().enumerate() {
            let mut rng = k.rng(Purpose::Month, 5);
            let (a, b) = rng::uniform_pair(&mut rng);
            let (c, d) = rng::uniform_pair(&mut rng);
            acc += a + b + c + d;
            if i % 3 == 0 {
                let z: f64 = StandardNormal.sample(&mut rng);
                acc += z + rng.random::<f64>();
            }
            let encounters = if i % 100 < 37 { 2 } else { 1 };
            for _ in 0..encounters {
                let bits = rng.next_u64();
                let z: f64 = StandardNormal.sample(&mut rng);
                acc += z + rng::unit32(bits as u32) + rng::index32((bits >> 32) as u32, 40) as f64;
            }
        }
        acc
    });
}
