//! The studio's controls: which scenario keys the page offers as sliders, with units and
//! ranges, and how a slider's value becomes a typed [`Edit`] of a checked scenario.
//!
//! Levers are the policy a lesson teaches (they edit the alternatives); mechanisms describe
//! the world every scenario lives in (they edit every arm). A lever given as a schedule keeps
//! its earlier steps: the slider moves its last step, so "cut the front line to 33 from month
//! 24" becomes "to 36 from month 24", not a different policy.

use serde::Serialize;

use crate::scenario::{Edit, Scenario};

/// What a control changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A management lever: edits the scenarios that carry the policy.
    Lever,
    /// A mechanism of the market or of customers: edits every scenario.
    Mechanism,
}

/// One slider of the page.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Control {
    /// The scenario key, e.g. `levers.training`.
    pub key: &'static str,
    /// Short label.
    pub label: &'static str,
    /// Unit, as the page writes it.
    pub unit: &'static str,
    /// Slider range and step (a scenario value outside the range widens it on the page).
    pub min: f64,
    /// Upper end of the slider.
    pub max: f64,
    /// Step of the slider.
    pub step: f64,
    /// Lever or mechanism.
    pub role: Role,
    /// One sentence on what it does.
    pub help: &'static str,
}

const fn control(
    role: Role,
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    range: [f64; 3],
    help: &'static str,
) -> Control {
    Control {
        key,
        label,
        unit,
        min: range[0],
        max: range[1],
        step: range[2],
        role,
        help,
    }
}

use Role::{Lever as L, Mechanism as M};

/// Every control, levers first, in the order the page shows them.
pub const CONTROLS: &[Control] = &[
    control(
        L,
        "levers.training",
        "Training",
        "EUR per FTE per year",
        [0.0, 6000.0, 100.0],
        "Raises staff capability and satisfaction, with a delay.",
    ),
    control(
        L,
        "levers.staff",
        "Front-line staff",
        "FTE",
        [10.0, 80.0, 1.0],
        "Fewer staff at the same demand lengthen waits and build pressure.",
    ),
    control(
        L,
        "levers.process",
        "Process and technology",
        "EUR per year",
        [0.0, 1_500_000.0, 10_000.0],
        "Fewer failures and more consistent service.",
    ),
    control(
        L,
        "levers.recovery",
        "Service recovery",
        "EUR per year",
        [0.0, 800_000.0, 10_000.0],
        "More complaints heard, more of them resolved, and faster.",
    ),
    control(
        L,
        "levers.followup",
        "Follow-up contacts",
        "share of customers per month",
        [0.0, 0.2, 0.005],
        "Proactive contact builds the relationship bond.",
    ),
    control(
        L,
        "levers.price_index",
        "Price",
        "x market price",
        [0.7, 1.5, 0.01],
        "Margins and fees scale with it; so does the competitors' pull.",
    ),
    control(
        L,
        "levers.marketing",
        "Marketing",
        "EUR per year",
        [0.0, 1_500_000.0, 10_000.0],
        "Brings new customers, at a cost per customer.",
    ),
    control(
        L,
        "levers.pay_index",
        "Staff pay",
        "x market pay",
        [0.7, 1.5, 0.01],
        "Happier staff quit less; salaries cost more.",
    ),
    control(
        L,
        "levers.ambience",
        "Ambience and cosmetics",
        "EUR per year",
        [0.0, 800_000.0, 10_000.0],
        "Lifts only encounters already inside the zone of tolerance.",
    ),
    control(
        M,
        "expectations.zone_width_mean",
        "Zone of tolerance width",
        "quality points (desired - adequate)",
        [0.5, 6.0, 0.1],
        "How wide the flat middle of the quality response is.",
    ),
    control(
        M,
        "expectations.adequate_mean",
        "Adequate level",
        "quality points (0-10)",
        [3.0, 8.0, 0.1],
        "Below it, every quality point hurts.",
    ),
    control(
        M,
        "satisfaction.slope_zone",
        "Response inside the zone",
        "satisfaction points per quality point",
        [0.0, 0.7, 0.01],
        "0.02 today: quality inside the zone is barely noticed.",
    ),
    control(
        M,
        "satisfaction.slope_below",
        "Response below adequate",
        "satisfaction points per quality point",
        [0.0, 2.0, 0.05],
        "How steeply satisfaction falls below the adequate level.",
    ),
    control(
        M,
        "market.competitor_pull",
        "Competitor pull",
        "x today's",
        [0.0, 3.0, 0.05],
        "Strength of competitors' offers to uncommitted customers.",
    ),
    control(
        M,
        "complaints.fast_lift",
        "Recovery paradox lift",
        "satisfaction points",
        [0.0, 1.5, 0.05],
        "Satisfaction gained on a fast first resolution.",
    ),
    control(
        M,
        "loyalty.affection_point",
        "Affection point",
        "satisfaction (1-5)",
        [3.5, 5.0, 0.05],
        "Satisfaction above which customers become committed.",
    ),
    control(
        M,
        "churn.exogenous",
        "Life-event churn",
        "per month",
        [0.0, 0.005, 0.0001],
        "Moves and life events: blind to satisfaction.",
    ),
    control(
        M,
        "employees.capacity",
        "Staff capacity",
        "encounters per FTE per month",
        [200.0, 900.0, 10.0],
        "Encounters one person serves in a month at full pace.",
    ),
];

/// The control for `key`, if the page offers one.
pub fn find(key: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.key == key)
}

/// What a scenario holds at a control's key: the slider's value and, when the key is not a
/// plain number, what the slider replaces.
#[derive(Debug, Clone, Serialize)]
pub struct Value {
    /// The value the slider starts at.
    pub value: f64,
    /// For a schedule, "from month N"; for a distribution, what a fixed value replaces.
    pub note: Option<String>,
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

fn at<'a>(scenario: &'a Scenario, key: &str) -> Option<&'a toml::Value> {
    let (section, name) = key.split_once('.')?;
    scenario.resolved.get(section)?.as_table()?.get(name)
}

/// The value of `control` in `scenario`.
pub fn value(scenario: &Scenario, control: &Control) -> Option<Value> {
    match at(scenario, control.key)? {
        toml::Value::Array(steps) => {
            let last = steps.last()?.as_table()?;
            let from = last.get("from_month").and_then(number).unwrap_or(0.0);
            Some(Value {
                value: number(last.get("value")?)?,
                note: (steps.len() > 1).then(|| format!("from month {from:.0} (a schedule: earlier steps kept)")),
            })
        }
        toml::Value::Table(dist) => {
            let centre = ["mode", "mean", "value"]
                .iter()
                .find_map(|k| dist.get(*k).and_then(number))
                .or_else(|| Some(0.5 * (number(dist.get("min")?)? + number(dist.get("max")?)?)))?;
            let kind = dist.get("dist").and_then(|d| d.as_str()).unwrap_or("distribution");
            Some(Value {
                value: centre,
                note: Some(format!("uncertain ({kind}); moving the slider fixes it")),
            })
        }
        v => number(v).map(|value| Value { value, note: None }),
    }
}

/// The edit that puts `value` at `control`'s key of `scenario`: the last step of a schedule,
/// else the whole value.
pub fn edit(scenario: &Scenario, control: &Control, value: f64) -> Edit {
    if let Some(toml::Value::Array(steps)) = at(scenario, control.key) {
        let mut steps = steps.clone();
        if let Some(toml::Value::Table(last)) = steps.last_mut() {
            last.insert("value".into(), toml::Value::Float(value));
            return Edit::set_value(control.key, toml::Value::Array(steps));
        }
    }
    Edit::set(control.key, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
        Scenario::load(&path, &[]).unwrap()
    }

    #[test]
    fn every_control_names_a_number_of_the_baseline_within_its_range() {
        let b = load("baseline");
        for c in CONTROLS {
            let v = value(&b, c).unwrap_or_else(|| panic!("{} is not in the baseline", c.key));
            assert!(
                v.value >= c.min && v.value <= c.max,
                "{}: {} outside the slider",
                c.key,
                v.value
            );
            assert!(b.edited(&[edit(&b, c, v.value)]).is_ok(), "{}", c.key);
        }
    }

    #[test]
    fn a_schedule_keeps_its_earlier_steps() {
        let cuts = load("cost_cutting");
        let staff = find("levers.staff").unwrap();
        let v = value(&cuts, staff).unwrap();
        assert_eq!(v.value, 33.0);
        assert!(v.note.unwrap().contains("month 24"));
        let edited = cuts.edited(&[edit(&cuts, staff, 36.0)]).unwrap();
        let drawn = edited.draw(1, 0).levers.staff;
        assert_eq!((drawn.at(0), drawn.at(23), drawn.at(24)), (40.0, 40.0, 36.0));
    }
}
