//! The parameter sections of a scenario file, defined once.
//!
//! Each section is a struct generic over the stage of a value: [`ParamSpec`]
//! as read from TOML, [`Param`] once checked, `f64` once drawn for a
//! replication. The `section!` macro writes the struct with one line per
//! parameter (doc comment with unit, allowed range) and a `try_map` that walks
//! the fields in order, so checking and drawing cannot forget a field.
//!
//! Every range is finite: money at most `EUR` (1e12), factors and weights at most
//! `FACTOR` (1e3), waits at most `MINUTES` (1e5), counts as stated per field, so that a
//! valid scenario cannot overflow to infinity or NaN anywhere in the month.
//!
//! [`ParamSpec`]: super::param::ParamSpec
//! [`Param`]: super::param::Param

use serde::{Deserialize, Serialize};

/// Largest money amount anywhere in a scenario (EUR): a trillion, far beyond any bank's budget,
/// small enough that sums over customers and months stay finite.
const EUR: f64 = 1e12;
/// Largest multiplier, weight or slope (a dimensionless or per-unit factor).
const FACTOR: f64 = 1e3;
/// Longest wait or wait scale (minutes): about 70 days.
const MINUTES: f64 = 1e5;

macro_rules! section {
    ($(#[$meta:meta])* $name:ident {
        $( $(#[$fmeta:meta])* $field:ident : [$lo:expr, $hi:expr] ),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name<T> {
            $( $(#[$fmeta])* pub $field: T, )*
        }

        impl<T> $name<T> {
            /// Applies `f(field name, (min, max), value)` to every field in order.
            pub fn try_map<U, E>(
                &self,
                mut f: impl FnMut(&'static str, (f64, f64), &T) -> Result<U, E>,
            ) -> Result<$name<U>, E> {
                Ok($name { $( $field: f(stringify!($field), ($lo, $hi), &self.$field)?, )* })
            }

            /// Applies `f(field name, value)` to every field in order.
            pub fn map<U>(&self, mut f: impl FnMut(&'static str, &T) -> U) -> $name<U> {
                $name { $( $field: f(stringify!($field), &self.$field), )* }
            }
        }
    };
}

section! {
    /// Management levers (MODEL.md section 3). Each may be a number, a
    /// distribution, or a schedule `[{ from_month, value }, …]`.
    Levers {
        /// Training spend per front-line employee per year (EUR/FTE/year).
        training: [0.0, EUR],
        /// Front-line staff (full-time equivalents, FTE).
        staff: [1.0, 1e9],
        /// Process and technology investment (EUR/year): fewer failures, more consistent service.
        process: [0.0, EUR],
        /// Complaint-handling and service-recovery budget (EUR/year).
        recovery: [0.0, EUR],
        /// Relationship follow-up: share of customers proactively contacted per month (0-1).
        followup: [0.0, 1.0],
        /// Price relative to the market (1.0 = market price; fees and margins scale with it).
        price_index: [0.1, 5.0],
        /// Acquisition marketing (EUR/year).
        marketing: [0.0, EUR],
        /// Staff pay relative to the market (1.0 = market pay).
        pay_index: [0.1, 5.0],
        /// Ambience and cosmetics: branch comfort, décor, small courtesies (EUR/year). Lifts encounters
        /// that are already inside the customer's zone of tolerance toward the desired level, never beyond it.
        ambience: [0.0, EUR],
    }
}

section! {
    /// Front-line employees: learning, satisfaction, workload and quitting.
    Employees {
        /// Encounters one FTE can serve per month at full pace (encounters/FTE/month).
        capacity: [1.0, 1e9],
        /// Capability of a newly hired employee (0-1).
        novice_capability: [0.0, 1.0],
        /// Capability a veteran reaches with no training (0-1).
        veteran_capability: [0.0, 1.0],
        /// Extra capability ceiling at full training effect (capability points, 0-1).
        training_capability: [0.0, 1.0],
        /// Training spend that gives half the full training effect (EUR/FTE/year).
        training_half_effect: [1.0, EUR],
        /// Tenure over which an employee's ceiling rises from novice to veteran (months, e-folding time).
        experience_months: [0.1, 1e4],
        /// Share of the gap to the ceiling closed each month (1/month).
        learning_rate: [0.0, 1.0],
        /// Employee satisfaction at market pay, no training, no tools and no pressure (0-1).
        satisfaction_base: [0.0, 1.0],
        /// Satisfaction gained per unit of pay index above market (satisfaction points per pay-index unit).
        satisfaction_pay: [0.0, FACTOR],
        /// Satisfaction gained at full training effect (satisfaction points).
        satisfaction_training: [0.0, 1.0],
        /// Satisfaction gained at full process/tools effect (satisfaction points).
        satisfaction_tools: [0.0, 1.0],
        /// Satisfaction lost at full work pressure (satisfaction points).
        satisfaction_pressure: [0.0, FACTOR],
        /// Share of the gap to target satisfaction closed each month (1/month).
        satisfaction_rate: [0.0, 1.0],
        /// Workload (demand / capacity) above which pressure builds (ratio).
        pressure_threshold: [0.0, 1.0],
        /// Share of capability lost to corner cutting at full pressure (0-1).
        corner_cutting: [0.0, 1.0],
        /// Quit probability per month of a satisfied employee (1/month).
        quit_base: [0.0, 1.0],
        /// Extra quit probability per month per satisfaction point below `quit_reference` (1/month).
        quit_sensitivity: [0.0, 1.0],
        /// Satisfaction below which quitting rises (0-1).
        quit_reference: [0.0, 1.0],
        /// Yearly salary of one FTE at pay index 1 (EUR/FTE/year).
        salary: [0.0, EUR],
        /// Cost of replacing a leaver: recruiting and onboarding (EUR/hire).
        hiring_cost: [0.0, EUR],
    }
}

section! {
    /// Delivered service quality per encounter (0-10 scale), waits and failures.
    Quality {
        /// Quality from process and technology with no process investment (quality points, 0-10).
        process_base: [0.0, 10.0],
        /// Extra process quality at full process effect (quality points).
        process_gain: [0.0, 10.0],
        /// Process spend per customer that gives half the full process effect (EUR/customer/year).
        process_half_effect: [0.01, EUR],
        /// Quality added per unit of the serving employee's capability (quality points per capability unit).
        capability_weight: [0.0, 10.0],
        /// Contact-to-contact spread of quality with no process investment (quality points, sd).
        noise_sd: [0.0, 10.0],
        /// Share of that spread removed at full process effect (0-1).
        noise_process_reduction: [0.0, 1.0],
        /// Wait scale of the queue: wait = scale x load / (1 - load) (minutes).
        wait_scale: [0.0, MINUTES],
        /// Longest wait (minutes).
        wait_max: [0.0, MINUTES],
        /// Quality lost per minute of wait (quality points/minute).
        wait_penalty: [0.0, 10.0],
        /// Failure probability per encounter with no process investment, a veteran and no pressure (0-1).
        failure_base: [0.0, 1.0],
        /// Share of failures prevented at full process effect (0-1).
        failure_process_reduction: [0.0, 1.0],
        /// Relative extra failure risk per unit of missing capability (multiplier per capability unit).
        failure_novice: [0.0, FACTOR],
        /// Relative extra failure risk at full pressure (multiplier).
        failure_pressure: [0.0, FACTOR],
        /// Quality lost on a failed encounter (quality points).
        failure_drop: [0.0, 10.0],
        /// Quality added to an encounter inside the zone of tolerance at full ambience effect (quality points).
        ambience_gain: [0.0, 10.0],
        /// Ambience spend per customer giving half the full ambience effect (EUR/customer/year).
        ambience_half_effect: [0.01, EUR],
    }
}

section! {
    /// Customers' expectations: the zone of tolerance between adequate and desired service.
    Expectations {
        /// Mean adequate level A (quality points, 0-10).
        adequate_mean: [0.0, 10.0],
        /// Spread of A across customers (quality points, sd).
        adequate_sd: [0.0, 10.0],
        /// Mean width of the zone of tolerance D - A (quality points).
        zone_width_mean: [0.0, 10.0],
        /// Spread of the zone width across customers (quality points, sd).
        zone_width_sd: [0.0, 10.0],
        /// Share of the zone closed (A raised toward D) right after a failure (0-1).
        failure_narrowing: [0.0, 1.0],
        /// Share of the narrowing that remains one month later (0-1 per month).
        narrowing_persistence: [0.0, 1.0],
        /// Monthly drift of the zone toward the quality experienced that month (1/month).
        adapt_experience: [0.0, 1.0],
        /// Monthly drift of the zone toward the market benchmark (1/month).
        adapt_market: [0.0, 1.0],
        /// Quality the market offers: the centre expectations drift to (quality points, 0-10).
        market_benchmark: [0.0, 10.0],
        /// Yearly rise of the market benchmark (quality points/year).
        benchmark_growth: [-10.0, 10.0],
    }
}

section! {
    /// The response of satisfaction (1-5 scale) to quality against expectations and to value.
    Satisfaction {
        /// Satisfaction target when quality sits mid-zone and value equals the market's (1-5).
        neutral: [1.0, 5.0],
        /// Slope below the adequate level (satisfaction points per quality point short of A).
        slope_below: [0.0, FACTOR],
        /// Slope inside the zone of tolerance (satisfaction points per quality point).
        slope_zone: [0.0, FACTOR],
        /// Slope above the desired level (satisfaction points per quality point beyond D).
        slope_above: [0.0, FACTOR],
        /// Share of the gap to the month's target closed in a month with encounters (1/month).
        adjust_rate: [0.0, 1.0],
        /// Share closed in a month without encounters (1/month).
        idle_rate: [0.0, 1.0],
        /// Satisfaction points per unit of perceived value (segment-weighted).
        value_weight: [0.0, FACTOR],
        /// Spread of initial satisfaction around the target (satisfaction points, sd).
        initial_sd: [0.0, 5.0],
        /// Spread across customers of a lasting disposition: some are easier to please (satisfaction points, sd).
        disposition_sd: [0.0, 5.0],
    }
}

section! {
    /// One customer segment: size, contact rate, what it values and its money.
    Segment {
        /// Share of customers in this segment (the three shares are normalised).
        share: [0.0, 1.0],
        /// Service encounters per customer per month (mean of a Poisson count).
        encounter_rate: [0.0, 50.0],
        /// Value lost per unit of price index above the competitor's (value units).
        price_weight: [0.0, FACTOR],
        /// Value lost per 10 minutes of wait beyond the market's (value units).
        time_weight: [0.0, FACTOR],
        /// Value gained per unit of the firm's product advantage (value units).
        product_weight: [0.0, FACTOR],
        /// Value gained per unit of staff capability above 0.7 (value units).
        personnel_weight: [0.0, FACTOR],
        /// Probability that a customer of this segment complains after a failure, at baseline channels (0-1).
        complaint_propensity: [0.0, 1.0],
        /// Multiplier on the competitor's pull for this segment (ratio).
        switching_sensitivity: [0.0, FACTOR],
        /// Median balance of a new customer (EUR).
        balance_median: [0.0, EUR],
    }
}

section! {
    /// The market: competitors and the firm's position.
    Market {
        /// Competitors' price index (1.0 = market).
        competitor_price_index: [0.1, 5.0],
        /// Strength of competitors' offers (multiplier on the competitive churn hazard).
        competitor_pull: [0.0, FACTOR],
        /// Growth of the pull per unit of price gap, times the segment's price weight (1/price-index unit).
        price_pull: [0.0, FACTOR],
        /// The firm's product advantage over the market (value units; 0 = par).
        product_advantage: [-10.0, 10.0],
        /// Wait customers accept as normal (minutes).
        wait_benchmark: [0.0, MINUTES],
    }
}

section! {
    /// Voice or silence after a failure, and the firm's recovery.
    Complaints {
        /// Extra complaint probability at full channel effect of the recovery budget (probability points).
        channel_boost: [0.0, 1.0],
        /// Recovery spend per customer giving half the full recovery effect (EUR/customer/year).
        recovery_half_effect: [0.01, EUR],
        /// How much more loyal customers voice rather than exit (multiplier per loyalty unit above 0.5).
        voice_loyalty: [0.0, FACTOR],
        /// Probability that a complaint is resolved with no recovery budget (0-1).
        resolve_base: [0.0, 1.0],
        /// Extra resolution probability at full recovery effect (probability points).
        resolve_gain: [0.0, 1.0],
        /// Share of resolutions that are fast with no recovery budget (0-1).
        fast_base: [0.0, 1.0],
        /// Extra share of fast resolutions at full recovery effect (probability points).
        fast_gain: [0.0, 1.0],
        /// Satisfaction lost when a complaint is left unresolved (satisfaction points).
        unresolved_drop: [0.0, 5.0],
        /// Satisfaction regained when a complaint is resolved slowly (satisfaction points).
        resolved_lift: [0.0, 5.0],
        /// Satisfaction gained when a first failure is resolved fast: the recovery paradox (satisfaction points).
        fast_lift: [0.0, 5.0],
        /// Relative increase of the competitive churn hazard at full grievance: a failure makes an
        /// uncommitted customer receptive to competitors' offers, a loyal one forgives (multiplier).
        grievance_multiplier: [0.0, FACTOR],
        /// Share of grievance remaining one month later (0-1 per month).
        grievance_persistence: [0.0, 1.0],
        /// Grievance left by a failure the customer kept silent about (0-1).
        grievance_silent: [0.0, 1.0],
        /// Grievance left by an unresolved complaint (0-1).
        grievance_unresolved: [0.0, 1.0],
        /// Grievance left by a slowly resolved complaint (0-1).
        grievance_resolved: [0.0, 1.0],
        /// Grievance left by a fast resolution (0-1).
        grievance_fast: [0.0, 1.0],
        /// Handling cost per complaint (EUR/complaint).
        handling_cost: [0.0, EUR],
    }
}

section! {
    /// Loyalty: a nonlinear function of satisfaction plus bonds and switching costs.
    Loyalty {
        /// Loyalty of a deeply dissatisfied customer (0-1).
        floor: [0.0, 1.0],
        /// Loyalty across the flat indifference middle (0-1).
        middle: [0.0, 1.0],
        /// Loyalty of a completely satisfied customer (0-1).
        top: [0.0, 1.0],
        /// Satisfaction at the centre of the defection zone (1-5).
        defection_point: [1.0, 5.0],
        /// Width of the defection step (satisfaction points).
        defection_width: [0.01, 5.0],
        /// Satisfaction at the centre of the affection zone (1-5).
        affection_point: [1.0, 5.0],
        /// Width of the affection step (satisfaction points).
        affection_width: [0.01, 5.0],
        /// Share of the gap to target loyalty closed each month (1/month).
        adjust_rate: [0.0, 1.0],
        /// Loyalty added per unit of relationship bond (loyalty points).
        bond_weight: [0.0, 1.0],
        /// Loyalty added per product held beyond the first: switching costs (loyalty points/product).
        switching_per_product: [0.0, 1.0],
        /// Yearly growth of the bond with tenure (share of the remaining gap per year).
        bond_growth: [0.0, 1.0],
        /// Bond gained from one follow-up contact (share of the remaining gap).
        followup_bond: [0.0, 1.0],
        /// Satisfaction gained from one follow-up contact by a satisfied customer (satisfaction points).
        followup_satisfaction: [0.0, 5.0],
        /// Satisfaction from which a follow-up contact lifts satisfaction: below it, a
        /// contact builds the bond only (1-5).
        followup_threshold: [1.0, 5.0],
        /// Cost of one follow-up contact (EUR/contact).
        followup_cost: [0.0, EUR],
        /// Probability per month that a fully loyal customer takes one more product (1/month).
        cross_sell: [0.0, 1.0],
        /// Most products one customer holds (products).
        max_products: [1.0, 50.0],
    }
}

section! {
    /// Churn hazard: exogenous + competitive + dissatisfaction + grievance.
    Churn {
        /// Monthly hazard of leaving for reasons blind to satisfaction: moves, life events (1/month).
        exogenous: [0.0, 1.0],
        /// Monthly hazard of a customer with zero loyalty at pull 1 leaving for a competitor (1/month).
        competitive: [0.0, 1.0],
        /// Monthly hazard of a customer at satisfaction 1 leaving out of dissatisfaction (1/month).
        dissatisfaction: [0.0, 1.0],
        /// Satisfaction below which the dissatisfaction hazard starts (1-5).
        dissatisfaction_threshold: [1.0, 5.0],
    }
}

section! {
    /// The quarterly satisfaction survey.
    Survey {
        /// Share of active customers sampled each quarter (0-1).
        sample_share: [0.0, 1.0],
        /// Response noise on the reported 1-5 score (score points, sd).
        response_sd: [0.0, 5.0],
    }
}

section! {
    /// New customers: marketing, referrals and deterrence by word of mouth.
    Acquisition {
        /// New customers per month who come on their own (customers/month).
        organic: [0.0, 1e9],
        /// New customers per month from marketing at saturation (customers/month).
        marketing_max: [0.0, 1e9],
        /// Marketing budget giving half of `marketing_max` (EUR/year).
        marketing_half_effect: [1.0, EUR],
        /// New customers per month referred by each promoter (loyal and delighted customer) (1/month).
        referral_rate: [0.0, 1.0],
        /// Prospects deterred per month by each dissatisfied customer (1/month).
        deterrence_rate: [0.0, 1.0],
        /// Prospects deterred by each unresolved complaint (prospects/complaint).
        unresolved_deterrence: [0.0, FACTOR],
        /// Relative drop in acquisition per unit of price index above the competitor's (1/price-index unit).
        price_elasticity: [0.0, 20.0],
        /// Satisfaction above which a loyal customer promotes the firm (1-5).
        promoter_satisfaction: [1.0, 5.0],
        /// Loyalty above which a satisfied customer promotes the firm (0-1).
        promoter_loyalty: [0.0, 1.0],
        /// Satisfaction below which a customer talks prospects out of joining (1-5).
        detractor_satisfaction: [1.0, 5.0],
    }
}

section! {
    /// Money: revenue, costs and discounting.
    Finance {
        /// Yearly discount rate for NPV (1/year).
        discount_rate: [0.0, 1.0],
        /// Spread of log-balances across customers (sd of the logarithm).
        balance_sigma: [0.0, 5.0],
        /// Yearly balance growth of a fully loyal customer (1/year).
        balance_growth: [-1.0, 1.0],
        /// Largest balance multiple of the starting balance a customer reaches (ratio).
        balance_cap: [1.0, 1e6],
        /// Net interest margin earned on balances at price index 1 (1/year).
        margin: [0.0, 1.0],
        /// Fee income per product per month at price index 1 (EUR/product/month).
        fee_per_product: [0.0, EUR],
        /// Cost of one service encounter (EUR/encounter).
        cost_per_encounter: [0.0, EUR],
        /// Fixed cost to serve one customer per month (EUR/customer/month).
        cost_per_customer: [0.0, EUR],
        /// Share of the cost to serve saved once a customer's tenure reaches `tenure_saving_months` (0-1).
        tenure_cost_saving: [0.0, 1.0],
        /// Tenure at which the cost-to-serve saving is complete; it grows evenly until then (months).
        tenure_saving_months: [1.0, 1200.0],
        /// Onboarding cost of one new customer (EUR/customer).
        onboarding_cost: [0.0, EUR],
        /// Fixed overhead (EUR/year).
        overhead: [0.0, EUR],
        /// Mean tenure of the customers at month 0 (months).
        initial_tenure_mean: [0.0, 1200.0],
        /// Products held by a new customer (products).
        initial_products: [1.0, 50.0],
    }
}

/// The three segments of MODEL.md section 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segments<T> {
    /// Customers who choose on price.
    pub price_sensitive: Segment<T>,
    /// Customers who choose on service.
    pub service_led: Segment<T>,
    /// Customers who choose on product.
    pub product_led: Segment<T>,
}

impl<T> Segments<T> {
    /// The segments in a fixed order, with their key names.
    pub fn each(&self) -> [(&'static str, &Segment<T>); 3] {
        [
            ("price_sensitive", &self.price_sensitive),
            ("service_led", &self.service_led),
            ("product_led", &self.product_led),
        ]
    }

    /// Applies a fallible `f(segment name, field name, range, value)` to every field.
    pub fn try_map<U, E>(
        &self,
        mut f: impl FnMut(&'static str, &'static str, (f64, f64), &T) -> Result<U, E>,
    ) -> Result<Segments<U>, E> {
        Ok(Segments {
            price_sensitive: self.price_sensitive.try_map(|k, r, v| f("price_sensitive", k, r, v))?,
            service_led: self.service_led.try_map(|k, r, v| f("service_led", k, r, v))?,
            product_led: self.product_led.try_map(|k, r, v| f("product_led", k, r, v))?,
        })
    }
}

/// Every mechanism's parameters, generic over the stage of a value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params<T> {
    /// See [`Employees`].
    pub employees: Employees<T>,
    /// See [`Quality`].
    pub quality: Quality<T>,
    /// See [`Expectations`].
    pub expectations: Expectations<T>,
    /// See [`Satisfaction`].
    pub satisfaction: Satisfaction<T>,
    /// See [`Segments`].
    pub segments: Segments<T>,
    /// See [`Market`].
    pub market: Market<T>,
    /// See [`Complaints`].
    pub complaints: Complaints<T>,
    /// See [`Loyalty`].
    pub loyalty: Loyalty<T>,
    /// See [`Churn`].
    pub churn: Churn<T>,
    /// See [`Survey`].
    pub survey: Survey<T>,
    /// See [`Acquisition`].
    pub acquisition: Acquisition<T>,
    /// See [`Finance`].
    pub finance: Finance<T>,
}

impl<T> Params<T> {
    /// Applies a fallible `f(key path, range, value)` to every parameter, in a fixed order.
    pub fn try_map<U, E>(&self, mut f: impl FnMut(&str, (f64, f64), &T) -> Result<U, E>) -> Result<Params<U>, E> {
        Ok(Params {
            employees: self.employees.try_map(|k, r, v| f(&format!("employees.{k}"), r, v))?,
            quality: self.quality.try_map(|k, r, v| f(&format!("quality.{k}"), r, v))?,
            expectations: self
                .expectations
                .try_map(|k, r, v| f(&format!("expectations.{k}"), r, v))?,
            satisfaction: self
                .satisfaction
                .try_map(|k, r, v| f(&format!("satisfaction.{k}"), r, v))?,
            segments: self
                .segments
                .try_map(|s, k, r, v| f(&format!("segments.{s}.{k}"), r, v))?,
            market: self.market.try_map(|k, r, v| f(&format!("market.{k}"), r, v))?,
            complaints: self.complaints.try_map(|k, r, v| f(&format!("complaints.{k}"), r, v))?,
            loyalty: self.loyalty.try_map(|k, r, v| f(&format!("loyalty.{k}"), r, v))?,
            churn: self.churn.try_map(|k, r, v| f(&format!("churn.{k}"), r, v))?,
            survey: self.survey.try_map(|k, r, v| f(&format!("survey.{k}"), r, v))?,
            acquisition: self
                .acquisition
                .try_map(|k, r, v| f(&format!("acquisition.{k}"), r, v))?,
            finance: self.finance.try_map(|k, r, v| f(&format!("finance.{k}"), r, v))?,
        })
    }
}
