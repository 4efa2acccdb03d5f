//! What a replication measures: the monthly record the model produces and the
//! per-replication metrics derived from it (the names of MODEL.md section 5).

use serde::{Deserialize, Serialize};

use crate::model::finance::Ledger;

/// Everything counted in one month of one replication.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonthStats {
    /// Customers at the start of the month.
    pub active_start: u32,
    /// Customers at the end of the month (after churn and acquisition).
    pub active_end: u32,
    /// New customers acquired.
    pub new_customers: u32,
    /// Customers who left.
    pub churned: u32,
    /// Churners by last reported score (index 0 = never surveyed).
    pub churn_by_score: [u32; 6],
    /// Customers at risk by last reported score.
    pub exposure_by_score: [u32; 6],
    /// Survey answers by score.
    pub survey_by_score: [u32; 6],
    /// Sum of latent satisfaction over customers active at month end.
    pub satisfaction_sum: f64,
    /// Sum of loyalty (commitment, 0-1) over customers active at month end.
    pub loyalty_sum: f64,
    /// Service encounters.
    pub encounters: u32,
    /// Sum of delivered quality over encounters.
    pub quality_sum: f64,
    /// Service failures.
    pub failures: u32,
    /// Complaints.
    pub complaints: u32,
    /// Complaints left unresolved.
    pub unresolved: u32,
    /// Follow-up contacts.
    pub followups: u32,
    /// Promoters at month end.
    pub promoters: u32,
    /// Detractors at month end.
    pub detractors: u32,
    /// Average wait (minutes).
    pub wait_minutes: f64,
    /// Front-line head count.
    pub staff: u32,
    /// Front-line load: encounters demanded over what the staff can serve (1 = at capacity).
    pub staff_load: f64,
    /// Employees who quit.
    pub quits: u32,
    /// Mean effective capability of the front line.
    pub capability: f64,
    /// Mean employee satisfaction.
    pub employee_satisfaction: f64,
    /// Profit and loss.
    pub ledger: Ledger,
}

/// Customer-level tracking of the complaint paths (F5): after a failure, did
/// the customer stay 12 months? Indexed by [`crate::model::complaints::Path`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PathTally {
    /// Customers still active 12 months after the failure.
    pub stayed: [u32; 5],
    /// Customers who left within 12 months.
    pub left: [u32; 5],
}

/// Churners and customer-months at risk by last reported score (index 0 = never surveyed), over a
/// whole replication: what a churn rate by score rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreCounts {
    /// Customers who left, by the score they last gave.
    pub churned: [u64; 6],
    /// Customer-months at risk, by the score last given.
    pub exposure: [u64; 6],
}

impl ScoreCounts {
    /// The counts of a replication's months.
    pub fn of(months: &[MonthStats]) -> ScoreCounts {
        let mut c = ScoreCounts::default();
        for m in months {
            for k in 0..6 {
                c.churned[k] += u64::from(m.churn_by_score[k]);
                c.exposure[k] += u64::from(m.exposure_by_score[k]);
            }
        }
        c
    }

    /// Annual churn of customers whose last score was `score`, pooled over these counts, with
    /// the 95% interval of the monthly rate (Wilson) carried to a year, and the customer-years
    /// it rests on. A rate resting on fewer than `MIN_CHURNERS` churners has no interval.
    pub fn annual_rate(&self, score: usize) -> ScoreRate {
        let (churned, exposure) = (self.churned[score] as f64, self.exposure[score] as f64);
        let monthly = ratio(churned, exposure);
        let interval = if self.churned[score] >= ScoreRate::MIN_CHURNERS {
            crate::stats::wilson95(churned, exposure).map(annual)
        } else {
            [f64::NAN; 2]
        };
        ScoreRate {
            rate: annual(monthly),
            interval,
            churners: self.churned[score],
            customer_years: exposure / 12.0,
        }
    }

    /// These counts plus `other`'s (pooling replications).
    pub fn plus(mut self, other: &ScoreCounts) -> ScoreCounts {
        for k in 0..6 {
            self.churned[k] += other.churned[k];
            self.exposure[k] += other.exposure[k];
        }
        self
    }
}

/// Annual churn of the customers who last gave one score, pooled over replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreRate {
    /// Annual churn (0-1).
    pub rate: f64,
    /// 95% interval (0-1); NaN when too few churners for one to mean anything.
    pub interval: [f64; 2],
    /// Churners it rests on.
    pub churners: u64,
    /// Customer-years at risk it rests on.
    pub customer_years: f64,
}

impl ScoreRate {
    /// Fewest churners behind a rate for its interval to be drawn.
    pub const MIN_CHURNERS: u64 = 10;
}

/// One month of one replication, as kept for `monthly.csv`, fan charts, payback and the yearly P&L.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MonthRow {
    /// Active customers at the end of the month.
    pub active_customers: f64,
    /// Mean latent satisfaction of the active customers (1-5 scale).
    pub satisfaction: f64,
    /// Mean delivered quality per encounter (0-10).
    pub delivered_quality: f64,
    /// Share of the month's starting customers who left (0-1).
    pub churn: f64,
    /// The month's profit (EUR).
    pub profit: f64,
    /// Profit from month 1 to this one (EUR).
    pub cumulative_profit: f64,
    /// Front-line load: encounters demanded over what the staff can serve (1 = at capacity).
    pub staff_load: f64,
    /// The month's profit and loss, line by line (EUR).
    pub ledger: Ledger,
}

impl MonthRow {
    /// This month of a bank `factor` times the size of the one simulated: customers and money
    /// multiplied by `factor`, shares and means as they are.
    pub fn scaled(&self, factor: f64) -> MonthRow {
        let l = &self.ledger;
        MonthRow {
            active_customers: self.active_customers * factor,
            profit: self.profit * factor,
            cumulative_profit: self.cumulative_profit * factor,
            ledger: Ledger {
                revenue: l.revenue * factor,
                cost_to_serve: l.cost_to_serve * factor,
                complaint_handling: l.complaint_handling * factor,
                acquisition: l.acquisition * factor,
                marketing: l.marketing * factor,
                salaries: l.salaries * factor,
                hiring: l.hiring * factor,
                investment: l.investment * factor,
                overhead: l.overhead * factor,
            },
            ..*self
        }
    }
}

/// The series of [`MonthRow`] summarised over replications in `monthly.csv` and the fan charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// [`MonthRow::active_customers`].
    ActiveCustomers,
    /// [`MonthRow::satisfaction`].
    Satisfaction,
    /// [`MonthRow::delivered_quality`].
    DeliveredQuality,
    /// [`MonthRow::churn`].
    Churn,
    /// [`MonthRow::profit`].
    Profit,
    /// [`MonthRow::cumulative_profit`].
    CumulativeProfit,
}

impl Series {
    /// Every series, in the column order of `monthly.csv`.
    pub const ALL: [Series; 6] = [
        Series::ActiveCustomers,
        Series::Satisfaction,
        Series::DeliveredQuality,
        Series::Churn,
        Series::Profit,
        Series::CumulativeProfit,
    ];

    /// The series' name, the stem of its `monthly.csv` columns.
    pub const fn name(self) -> &'static str {
        match self {
            Series::ActiveCustomers => "active_customers",
            Series::Satisfaction => "satisfaction",
            Series::DeliveredQuality => "delivered_quality",
            Series::Churn => "churn",
            Series::Profit => "profit",
            Series::CumulativeProfit => "cumulative_profit",
        }
    }

    /// The series' value in `row`.
    pub const fn of(self, row: &MonthRow) -> f64 {
        match self {
            Series::ActiveCustomers => row.active_customers,
            Series::Satisfaction => row.satisfaction,
            Series::DeliveredQuality => row.delivered_quality,
            Series::Churn => row.churn,
            Series::Profit => row.profit,
            Series::CumulativeProfit => row.cumulative_profit,
        }
    }
}

macro_rules! metrics {
    ($($(#[$m:meta])* $variant:ident => $name:ident),* $(,)?) => {
        /// The per-replication metrics (columns of `replications.csv`).
        #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
        pub struct Metrics {
            $( $(#[$m])* pub $name: f64, )*
        }

        /// The name of one metric: what users write in targets, designs and objectives.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Metric {
            $( $(#[$m])* $variant, )*
        }

        impl Metric {
            /// Every metric, in column order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),*];

            /// The metric's name, as in `summary.json` and `replications.csv`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Metric::$variant => stringify!($name),)*
                }
            }
        }

        impl Metrics {
            /// The value of `metric`.
            pub const fn get(&self, metric: Metric) -> f64 {
                match metric {
                    $(Metric::$variant => self.$name,)*
                }
            }

            /// The value of `metric`, to change it.
            fn get_mut(&mut self, metric: Metric) -> &mut f64 {
                match metric {
                    $(Metric::$variant => &mut self.$name,)*
                }
            }
        }
    };
}

/// How many metrics there are.
pub const METRICS: usize = Metric::ALL.len();

impl Metric {
    /// The metric called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// Annual churn of customers whose last score was `score` (1-5).
    pub fn churn_rate_score(score: usize) -> Metric {
        [
            Metric::ChurnRateScore1,
            Metric::ChurnRateScore2,
            Metric::ChurnRateScore3,
            Metric::ChurnRateScore4,
            Metric::ChurnRateScore5,
        ][score.clamp(1, 5) - 1]
    }

    /// Share of scored churners whose last score was `score` (1-5).
    pub fn churner_share_score(score: usize) -> Metric {
        [
            Metric::ChurnerShareScore1,
            Metric::ChurnerShareScore2,
            Metric::ChurnerShareScore3,
            Metric::ChurnerShareScore4,
            Metric::ChurnerShareScore5,
        ][score.clamp(1, 5) - 1]
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Metric {
    /// Whether the metric is money or a count of customers, which grows with the bank: a sample's
    /// value is scaled up to the bank ([`Metrics::scaled`]); every other metric is a rate, share or mean.
    pub const fn grows_with_bank(self) -> bool {
        matches!(
            self,
            Metric::Npv
                | Metric::CumulativeProfit
                | Metric::FinalCustomers
                | Metric::Revenue
                | Metric::TotalCost
                | Metric::Investment
                | Metric::SpendNpv
                | Metric::CustomerNpv
        )
    }
}

impl Metrics {
    /// The metrics of a bank `factor` times the size of the one simulated: money and customer
    /// counts multiplied by `factor`, the others as they are.
    pub fn scaled(&self, factor: f64) -> Metrics {
        let mut out = *self;
        for &m in Metric::ALL.iter().filter(|m| m.grows_with_bank()) {
            *out.get_mut(m) *= factor;
        }
        out
    }

    /// Metric values, in the order of [`Metric::ALL`].
    pub fn values(&self) -> [f64; METRICS] {
        std::array::from_fn(|k| self.get(Metric::ALL[k]))
    }
}

metrics! {

    /// Net present value of monthly profit over the horizon (EUR).
    Npv => npv,

    /// Undiscounted profit over the horizon (EUR).
    CumulativeProfit => cumulative_profit,

    /// Active customers at the end of the horizon.
    FinalCustomers => final_customers,

    /// Share of customers retained over a year (0-1), from the average monthly churn.
    AnnualRetention => annual_retention,

    /// Mean reported survey score (1-5).
    MeanSatisfaction => mean_satisfaction,

    /// Mean loyalty (commitment, 0-1) of the active customers, averaged over months.
    MeanLoyalty => mean_loyalty,

    /// Share of survey answers that are 5 (0-1).
    TopBoxShare => top_box_share,

    /// Share of churners (with a score) whose last score was 4 or 5 (0-1).
    SatisfiedChurnerShare => satisfied_churner_share,

    /// Share of scored churners whose last score was 1 (0-1).
    ChurnerShareScore1 => churner_share_score1,

    /// Share of scored churners whose last score was 2 (0-1).
    ChurnerShareScore2 => churner_share_score2,

    /// Share of scored churners whose last score was 3 (0-1).
    ChurnerShareScore3 => churner_share_score3,

    /// Share of scored churners whose last score was 4 (0-1).
    ChurnerShareScore4 => churner_share_score4,

    /// Share of scored churners whose last score was 5 (0-1).
    ChurnerShareScore5 => churner_share_score5,

    /// Annual churn of customers whose last score was 1.
    ChurnRateScore1 => churn_rate_score1,

    /// Annual churn of customers whose last score was 2.
    ChurnRateScore2 => churn_rate_score2,

    /// Annual churn of customers whose last score was 3.
    ChurnRateScore3 => churn_rate_score3,

    /// Annual churn of customers whose last score was 4.
    ChurnRateScore4 => churn_rate_score4,

    /// Annual churn of customers whose last score was 5.
    ChurnRateScore5 => churn_rate_score5,

    /// Complaints per customer per year.
    ComplaintRate => complaint_rate,

    /// Share of service failures that led to a complaint (0-1): the tip of the iceberg.
    VoiceShare => voice_share,

    /// Service failures per encounter (0-1).
    FailureRate => failure_rate,

    /// Employees who quit per FTE per year.
    EmployeeTurnover => employee_turnover,

    /// Mean employee satisfaction (0-1).
    EmployeeSatisfaction => employee_satisfaction,

    /// Mean effective capability of the front line (0-1).
    StaffCapability => staff_capability,

    /// Mean delivered quality per encounter (0-10).
    MeanDeliveredQuality => mean_delivered_quality,

    /// Mean wait per encounter month (minutes).
    MeanWaitMinutes => mean_wait_minutes,

    /// Mean front-line load over the months: encounters demanded over what the staff can serve (1 = at capacity).
    StaffLoad => staff_load,

    /// 12-month retention after a failure the customer kept silent about (0-1).
    RetentionSilent => retention_silent,

    /// 12-month retention after an unresolved complaint (0-1).
    RetentionUnresolved => retention_unresolved,

    /// 12-month retention after a slowly resolved complaint (0-1).
    RetentionResolved => retention_resolved,

    /// 12-month retention after a fast resolution (0-1).
    RetentionFast => retention_fast,

    /// Revenue over the horizon (EUR).
    Revenue => revenue,

    /// Every cost line over the horizon: revenue minus cumulative profit (EUR).
    TotalCost => total_cost,

    /// Spend on the investment levers (training, process, recovery, ambience, follow-up, marketing) over the horizon (EUR).
    Investment => investment,

    /// Present value of what management chose to spend: lever budgets, marketing and salaries (EUR).
    SpendNpv => spend_npv,

    /// Present value of what customers contribute: revenue minus the cost to serve them and to handle
    /// their complaints (EUR). With acquisition switched off, the NPV of the customer base (F4).
    CustomerNpv => customer_npv,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

fn annual(monthly: f64) -> f64 {
    1.0 - (1.0 - monthly).powi(12)
}

impl Metrics {
    /// Derives the metrics from the monthly records of one replication.
    pub fn from_months(months: &[MonthStats], paths: &PathTally, discount_rate: f64) -> Metrics {
        let sum = |f: &dyn Fn(&MonthStats) -> f64| months.iter().map(f).sum::<f64>();
        let churn_k = |k: usize| sum(&|m| f64::from(m.churn_by_score[k]));
        let exposure_k = |k: usize| sum(&|m| f64::from(m.exposure_by_score[k]));
        let survey_k = |k: usize| sum(&|m| f64::from(m.survey_by_score[k]));
        let rate_k = |k: usize| annual(ratio(churn_k(k), exposure_k(k)));
        let customer_months = sum(&|m| f64::from(m.active_start));
        let churned = sum(&|m| f64::from(m.churned));
        let answers: f64 = (1..=5).map(survey_k).sum();
        let scored_churners: f64 = (1..=5).map(churn_k).sum();
        let encounters = sum(&|m| f64::from(m.encounters));
        let failures = sum(&|m| f64::from(m.failures));
        let complaints = sum(&|m| f64::from(m.complaints));
        let n = months.len() as f64;
        let retention = |p: usize| ratio(f64::from(paths.stayed[p]), f64::from(paths.stayed[p] + paths.left[p]));
        let (mut npv, mut spend_npv, mut customer_npv) = (0.0, 0.0, 0.0);
        for (t, m) in months.iter().enumerate() {
            let d = crate::model::finance::discount(discount_rate, t as u32);
            npv += m.ledger.profit() * d;
            spend_npv += m.ledger.lever_spend() * d;
            customer_npv += m.ledger.contribution() * d;
        }
        Metrics {
            npv,
            cumulative_profit: sum(&|m| m.ledger.profit()),
            final_customers: months.last().map_or(0.0, |m| f64::from(m.active_end)),
            annual_retention: 1.0 - annual(ratio(churned, customer_months)),
            mean_satisfaction: ratio((1..=5).map(|k| k as f64 * survey_k(k)).sum(), answers),
            mean_loyalty: sum(&|m| ratio(m.loyalty_sum, f64::from(m.active_end))) / n,
            top_box_share: ratio(survey_k(5), answers),
            satisfied_churner_share: ratio(churn_k(4) + churn_k(5), scored_churners),
            churner_share_score1: ratio(churn_k(1), scored_churners),
            churner_share_score2: ratio(churn_k(2), scored_churners),
            churner_share_score3: ratio(churn_k(3), scored_churners),
            churner_share_score4: ratio(churn_k(4), scored_churners),
            churner_share_score5: ratio(churn_k(5), scored_churners),
            churn_rate_score1: rate_k(1),
            churn_rate_score2: rate_k(2),
            churn_rate_score3: rate_k(3),
            churn_rate_score4: rate_k(4),
            churn_rate_score5: rate_k(5),
            complaint_rate: ratio(complaints * 12.0, customer_months),
            voice_share: ratio(complaints, failures),
            failure_rate: ratio(failures, encounters),
            employee_turnover: ratio(sum(&|m| f64::from(m.quits)) * 12.0, sum(&|m| f64::from(m.staff))),
            employee_satisfaction: sum(&|m| m.employee_satisfaction) / n,
            staff_capability: sum(&|m| m.capability) / n,
            mean_delivered_quality: ratio(sum(&|m| m.quality_sum), encounters),
            mean_wait_minutes: sum(&|m| m.wait_minutes) / n,
            staff_load: sum(&|m| m.staff_load) / n,
            retention_silent: retention(1),
            retention_unresolved: retention(2),
            retention_resolved: retention(3),
            retention_fast: retention(4),
            revenue: sum(&|m| m.ledger.revenue),
            total_cost: sum(&|m| m.ledger.costs()),
            investment: sum(&|m| m.ledger.investment + m.ledger.marketing),
            spend_npv,
            customer_npv,
        }
    }
}

/// The [`MonthRow`] of each month, with cumulative profit running on.
pub fn month_rows(months: &[MonthStats]) -> Vec<MonthRow> {
    let mut cumulative = 0.0;
    months
        .iter()
        .map(|m| {
            cumulative += m.ledger.profit();
            MonthRow {
                active_customers: f64::from(m.active_end),
                satisfaction: ratio(m.satisfaction_sum, f64::from(m.active_end)),
                delivered_quality: ratio(m.quality_sum, f64::from(m.encounters)),
                churn: ratio(f64::from(m.churned), f64::from(m.active_start)),
                profit: m.ledger.profit(),
                cumulative_profit: cumulative,
                staff_load: m.staff_load,
                ledger: m.ledger,
            }
        })
        .collect()
}
