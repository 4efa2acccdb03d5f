//! Size-aware scenarios: a bank states its size once (`simulation.customers`), and every amount
//! that grows with the bank can be written per so many customers.
//!
//! `staff = { per = 10000, value = 40 }` means 40 FTE per 10,000 customers: for a bank of
//! 200,000 customers, 800 FTE. The form takes a distribution too (`{ per = 10000, dist = "pert",
//! min = 30, mode = 40, max = 50 }`: the drawn value is scaled, so common random numbers hold),
//! and schedule steps take it as `{ from_month = 24, per = 10000, value = 30 }`. It is resolved
//! once, when the scenario is checked, into the plain number or distribution the model reads,
//! so changing the size alone keeps every per-customer quantity (staff load, budgets per
//! customer, acquisition per customer, overhead per customer) where it was.
//!
//! Only the amounts listed in [`SIZED`] grow with the bank: the others are rates, shares,
//! prices, or amounts per customer or per FTE already (`employees.capacity`,
//! `quality.process_half_effect`, `levers.training`), and `per` on them is refused.
//!
//! A sample ([`Size::simulated`] below the bank's size, `--sample N`) simulates fewer customers:
//! every amount of [`SIZED`], written per customers or not, is scaled down to the sample, so the
//! sample is a small copy of the bank; results in money and counts are scaled back up afterwards
//! ([`crate::metrics::Metrics::scaled`]).

use super::param::{DistSpec, LeverSpec, ParamSpec, StepSpec};

/// The keys of the amounts that grow with the bank, with their units.
pub const SIZED: [(&str, &str); 9] = [
    ("levers.staff", "FTE"),
    ("levers.process", "EUR/year"),
    ("levers.recovery", "EUR/year"),
    ("levers.marketing", "EUR/year"),
    ("levers.ambience", "EUR/year"),
    ("acquisition.organic", "customers/month"),
    ("acquisition.marketing_max", "customers/month"),
    ("acquisition.marketing_half_effect", "EUR/year"),
    ("finance.overhead", "EUR/year"),
];

/// Whether `key` is an amount that grows with the bank.
pub fn grows_with_bank(key: &str) -> bool {
    // The status quo's levers are levers: `status_quo.staff` grows as `levers.staff` does.
    let key = match key.strip_prefix("status_quo.") {
        Some(lever) => format!("levers.{lever}"),
        None => key.to_string(),
    };
    SIZED.iter().any(|(k, _)| *k == key)
}

/// The bank's size and the customers simulated for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// Customers of the bank at month 0 (`simulation.customers`).
    pub bank: f64,
    /// Customers simulated: the bank's size, or a smaller sample of it.
    pub simulated: f64,
}

impl DistSpec {
    /// The distribution of `factor` (> 0) times a draw of this one.
    pub fn times(&self, factor: f64) -> DistSpec {
        let f = factor;
        match *self {
            DistSpec::Fixed { value } => DistSpec::Fixed { value: value * f },
            DistSpec::Uniform { min, max } => DistSpec::Uniform {
                min: min * f,
                max: max * f,
            },
            DistSpec::Normal { mean, sd } => DistSpec::Normal {
                mean: mean * f,
                sd: sd * f,
            },
            DistSpec::Lognormal { mu, sigma } => DistSpec::Lognormal { mu: mu + f.ln(), sigma },
            DistSpec::Triangular { min, mode, max } => DistSpec::Triangular {
                min: min * f,
                mode: mode * f,
                max: max * f,
            },
            DistSpec::Pert { min, mode, max } => DistSpec::Pert {
                min: min * f,
                mode: mode * f,
                max: max * f,
            },
            DistSpec::Beta { alpha, beta, min, max } => DistSpec::Beta {
                alpha,
                beta,
                min: Some(min.unwrap_or(0.0) * f),
                max: Some(max.unwrap_or(1.0) * f),
            },
        }
    }
}

fn keys_that_grow() -> String {
    SIZED.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}

impl ParamSpec {
    /// `factor` (> 0) times this number or distribution.
    fn times(&self, factor: f64) -> ParamSpec {
        match self {
            ParamSpec::Value(v) => ParamSpec::Value(v * factor),
            ParamSpec::Dist(d) => ParamSpec::Dist(d.times(factor)),
            ParamSpec::Per { per, of } => ParamSpec::Per {
                per: *per,
                of: Box::new(of.times(factor)),
            },
        }
    }

    /// The plain number or distribution of `key` for a bank of `size`: an amount per customers
    /// scaled to the bank, and any amount that grows with the bank scaled to the sample. The
    /// amount as written is checked against `allowed` (so errors speak the file's units); the
    /// range returned is the one the sized amount must keep: its top, and 0 at the bottom when it
    /// was scaled (a bank of 40 customers has a fraction of an FTE, which the model rounds up to one).
    pub fn for_size(&self, key: &str, allowed: (f64, f64), size: Size) -> Result<(ParamSpec, (f64, f64)), String> {
        let grows = grows_with_bank(key);
        let written = match self {
            ParamSpec::Per { of, .. } => of.as_ref(),
            plain => plain,
        };
        written.check(key, allowed.0, allowed.1)?;
        let for_bank = match self {
            ParamSpec::Per { per, of } => {
                if !grows {
                    return Err(format!(
                        "cannot be written per customers (`{{ per = N, ... }}`): it does not grow with the bank; \
                         write a number or a distribution. Amounts that grow with the bank: {}",
                        keys_that_grow()
                    ));
                }
                if !(per.is_finite() && *per >= 1.0) {
                    return Err(format!("`per` must be a number of customers of at least 1, got {per}"));
                }
                of.times(size.bank / per)
            }
            plain => plain.clone(),
        };
        let sampled = grows && size.simulated < size.bank;
        let scaled = sampled || matches!(self, ParamSpec::Per { .. });
        let sized = if sampled {
            for_bank.times(size.simulated / size.bank)
        } else {
            for_bank
        };
        Ok((
            sized,
            if scaled {
                (allowed.0.min(0.0), allowed.1)
            } else {
                allowed
            },
        ))
    }
}

/// A lever's sized spec and its range in the user's units, or the schedule step an error is
/// about (if one) and its message.
type SizedLever = Result<(LeverSpec, (f64, f64)), (Option<usize>, String)>;

impl LeverSpec {
    /// [`ParamSpec::for_size`] for a constant lever or every step of a schedule; an error names
    /// the step it is about, if one.
    pub fn for_size(&self, key: &str, allowed: (f64, f64), size: Size) -> SizedLever {
        let mut range = allowed;
        let sized = match self {
            LeverSpec::Constant(p) => {
                let (p, r) = p.for_size(key, allowed, size).map_err(|e| (None, e))?;
                range = r;
                LeverSpec::Constant(p)
            }
            LeverSpec::Schedule(steps) => steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let written = match (s.per, &s.value) {
                        (None, v) => v.clone(),
                        (Some(_), ParamSpec::Per { .. }) => {
                            return Err((
                                Some(i),
                                "gives `per` twice (on the step and in its value): give it once".into(),
                            ));
                        }
                        (Some(per), v) => ParamSpec::Per {
                            per,
                            of: Box::new(v.clone()),
                        },
                    };
                    let (value, r) = written
                        .for_size(key, allowed, size)
                        .map_err(|e| (Some(i), format!("step {i}: {e}")))?;
                    range.0 = range.0.min(r.0);
                    Ok(StepSpec {
                        from_month: s.from_month,
                        value,
                        per: None,
                    })
                })
                .collect::<Result<_, _>>()
                .map(LeverSpec::Schedule)?,
        };
        Ok((sized, range))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lever(s: &str) -> LeverSpec {
        #[derive(serde::Deserialize)]
        struct W {
            l: LeverSpec,
        }
        toml::from_str::<W>(&format!("l = {s}")).unwrap().l
    }

    const BANK: Size = Size {
        bank: 200_000.0,
        simulated: 200_000.0,
    };

    #[test]
    fn amounts_per_customers_scale_to_the_bank_and_to_its_sample() {
        let staff = lever("{ per = 10000, value = 40 }");
        let at = |size: Size| sized(&staff, "levers.staff", size);
        assert_eq!(at(BANK).draw(1, 0).at(0), 800.0);
        let sample = Size {
            simulated: 10_000.0,
            ..BANK
        };
        assert_eq!(at(sample).draw(1, 0).at(0), 40.0);
        // An absolute amount stays as written for the bank and is scaled to a sample.
        let absolute = lever("350");
        let abs = |size| sized(&absolute, "levers.staff", size);
        assert_eq!(abs(BANK).draw(1, 0).at(0), 350.0);
        assert_eq!(abs(sample).draw(1, 0).at(0), 17.5);
        // A per-customer quantity never changes with the size.
        let rate = lever("0.02");
        assert_eq!(
            rate.for_size("levers.followup", (0.0, 1.0), sample).unwrap(),
            (rate, (0.0, 1.0)),
            "a share is not scaled"
        );
        // A fraction of an FTE for a tiny bank is allowed (the model rounds it up to one).
        let tiny = Size {
            bank: 40.0,
            simulated: 40.0,
        };
        assert!((at(tiny).draw(1, 0).at(0) - 0.16).abs() < 1e-12);
    }

    #[test]
    fn schedules_and_distributions_scale_step_by_step_on_the_same_draws() {
        let s = sized(
            &lever("[{ from_month = 0, per = 10000, value = 40 }, { from_month = 24, value = { per = 10000, value = 30 } }]"),
            "levers.staff",
            BANK,
        )
        .draw(1, 0);
        assert_eq!((s.at(0), s.at(24)), (800.0, 600.0));
        let d = lever("{ per = 10000, dist = \"pert\", min = 30, mode = 40, max = 50 }");
        let small = Size {
            bank: 10_000.0,
            simulated: 10_000.0,
        };
        let one = sized(&d, "levers.staff", small);
        let many = sized(&d, "levers.staff", BANK);
        for r in 0..20 {
            let (a, b) = (one.draw(3, r).at(0), many.draw(3, r).at(0));
            assert!((b - 20.0 * a).abs() < 1e-9 * b, "replication {r}: {a} and {b}");
        }
        for spec in [
            "{ dist = \"lognormal\", mu = 3, sigma = 0.2 }",
            "{ dist = \"beta\", alpha = 2, beta = 3 }",
            "{ dist = \"normal\", mean = 3, sd = 0.5 }",
        ] {
            let ParamSpec::Dist(d) = lever_param(spec) else {
                panic!()
            };
            for q in [0.1, 0.5, 0.9] {
                assert!((d.times(7.0).quantile(q) - 7.0 * d.quantile(q)).abs() < 1e-9 * d.quantile(q).abs().max(1.0));
            }
        }
    }

    /// `lever` sized for `size` and checked as the staff lever is.
    fn sized(lever: &LeverSpec, key: &str, size: Size) -> super::super::param::Lever {
        let (spec, (lo, hi)) = lever.for_size(key, (1.0, 1e9), size).unwrap();
        spec.check(key, lo, hi).unwrap()
    }

    fn lever_param(s: &str) -> ParamSpec {
        match lever(s) {
            LeverSpec::Constant(p) => p,
            LeverSpec::Schedule(_) => panic!("a constant"),
        }
    }

    #[test]
    fn the_per_form_is_refused_where_it_makes_no_sense() {
        let err = |s: &str, key: &str| lever(s).for_size(key, (1.0, 1e9), BANK).unwrap_err();
        assert!(
            lever("{ per = 10000, value = 0.02 }")
                .for_size("levers.followup", (0.0, 1.0), BANK)
                .unwrap_err()
                .1
                .contains("does not grow with the bank")
        );
        assert!(err("{ per = 0, value = 40 }", "levers.staff").1.contains("at least 1"));
        assert!(
            err("{ per = 10000, value = 0 }", "levers.staff")
                .1
                .contains("the value is 0; allowed: at least 1")
        );
        let twice = err(
            "[{ from_month = 0, per = 10, value = { per = 10, value = 1 } }]",
            "levers.staff",
        );
        assert_eq!(twice.0, Some(0));
        assert!(twice.1.contains("give it once"));
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct W {
            l: ParamSpec,
        }
        for (s, needle) in [
            ("{ per = 10000 }", "needs the amount"),
            ("{ per = 10000, value = 4, min = 3 }", "unknown field `min`"),
            ("{ per = \"many\", value = 4 }", "number of customers"),
            ("{ per = 100, value = \"x\" }", "must be a number"),
            ("{ per = 100, dist = \"normal\", mean = 1, sdd = 1 }", "sdd"),
        ] {
            let e = toml::from_str::<W>(&format!("l = {s}")).unwrap_err().to_string();
            assert!(e.contains(needle), "{s}: {e}");
        }
    }
}
