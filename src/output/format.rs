//! Number formats of every table, chart, report and verdict: the one place that decides how
//! money, shares, counts and differences are written, so "1.2 MEUR", "84.5%" and "9,500" read
//! the same wherever they appear. Exports (CSV, workbook) keep full precision and do not use it.

/// What a number measures, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Euros, written in millions: "1.2 MEUR".
    Eur,
    /// A share in 0-1, written as a percentage: "84.5%"; a difference in percentage points: "+0.5 pt".
    Share,
    /// A head count: "9,500".
    Count,
    /// A score or any other plain number: "3.87".
    Plain,
}

impl Unit {
    /// The unit as written in an axis title or column header, e.g. "MEUR", "%", "" for plain numbers.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Eur => "MEUR",
            Unit::Share => "%",
            Unit::Count | Unit::Plain => "",
        }
    }

    /// The unit of a difference, e.g. "MEUR", "pt" (percentage points).
    pub fn delta_suffix(self) -> &'static str {
        match self {
            Unit::Share => "pt",
            u => u.suffix(),
        }
    }
}

/// Groups the digits of a non-negative integer by thousands: "12,345".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn signed(v: f64, body: String, sign: bool) -> String {
    if v < 0.0 && body.trim_start_matches(['0', '.', ',']).is_empty() {
        // A negative number that rounds to zero is written as zero.
        return if sign { format!("+{body}") } else { body };
    }
    match (v < 0.0, sign) {
        (true, _) => format!("-{body}"),
        (false, true) => format!("+{body}"),
        (false, false) => body,
    }
}

/// Decimals of a money amount in MEUR: one from 1 MEUR on, two below.
fn meur_decimals(v: f64) -> usize {
    if v.abs() >= 0.95e6 { 1 } else { 2 }
}

/// A number as written in a table or sentence: "1.2 MEUR", "84.5%", "9,500", "3.87".
/// Not-a-number (nothing to measure) is written "n/a".
pub fn value(unit: Unit, v: f64) -> String {
    fmt(unit, v, false)
}

/// A difference as written in a table or sentence: "+1.2 MEUR", "+0.52 pt", "+2,200", "+0.05".
pub fn delta(unit: Unit, v: f64) -> String {
    fmt(unit, v, true)
}

fn fmt(unit: Unit, v: f64, sign: bool) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    match unit {
        Unit::Eur => {
            let body = format!("{:.*}", meur_decimals(v), a / 1e6);
            format!("{} MEUR", signed(v, body, sign))
        }
        Unit::Share if sign => format!("{} pt", signed(v, format!("{:.2}", 100.0 * a), true)),
        Unit::Share => format!("{}%", signed(v, format!("{:.1}", 100.0 * a), false)),
        Unit::Count => signed(v, grouped(a.round() as u64), sign),
        Unit::Plain => signed(v, format!("{a:.2}"), sign),
    }
}

/// Money in MEUR without the unit, for table cells under a "MEUR" header: "1.2", "-0.45".
pub fn meur(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    signed(v, format!("{:.*}", meur_decimals(v), v.abs() / 1e6), false)
}

/// Decimals that tell ticks `step` apart.
fn tick_decimals(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) {
        return 0;
    }
    (-step.log10().floor()).clamp(0.0, 6.0) as usize
}

/// The tick labels of an axis spanning `lo..hi` with about `ticks` ticks, all written alike:
/// money in MEUR ("1.5", "-0.5" under an axis title saying MEUR), shares in percent ("85"),
/// counts with thousands separators ("9,500"), plain numbers with the decimals the step needs.
pub fn ticks(unit: Unit, lo: f64, hi: f64, ticks: usize) -> impl Fn(&f64) -> String {
    let scale = match unit {
        Unit::Eur => 1e-6,
        Unit::Share => 100.0,
        Unit::Count | Unit::Plain => 1.0,
    };
    let step = (hi - lo).abs() * scale / ticks.max(1) as f64;
    let decimals = match unit {
        Unit::Count => 0,
        _ => tick_decimals(step),
    };
    move |v: &f64| {
        let x = v * scale;
        if x.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
            return "0".into();
        }
        match unit {
            Unit::Count => signed(x, grouped(x.abs().round() as u64), false),
            _ => format!("{x:.decimals$}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_differences_are_written_alike_everywhere() {
        assert_eq!(value(Unit::Eur, 1_234_567.0), "1.2 MEUR");
        assert_eq!(value(Unit::Eur, -450_000.0), "-0.45 MEUR");
        assert_eq!(delta(Unit::Eur, 2_000_000.0), "+2.0 MEUR");
        assert_eq!(value(Unit::Share, 0.8449), "84.5%");
        assert_eq!(delta(Unit::Share, -0.0002), "-0.02 pt");
        assert_eq!(value(Unit::Count, 9500.4), "9,500");
        assert_eq!(delta(Unit::Count, 2200.0), "+2,200");
        assert_eq!(delta(Unit::Count, -0.2), "+0");
        assert_eq!(value(Unit::Plain, 3.8712), "3.87");
        assert_eq!(value(Unit::Plain, f64::NAN), "n/a");
        assert_eq!(meur(-12_340_000.0), "-12.3");
    }

    #[test]
    fn ticks_of_one_axis_share_one_format() {
        let money = ticks(Unit::Eur, -1.0e6, 1.5e6, 5);
        assert_eq!([money(&-1.0e6), money(&0.0), money(&1.5e6)], ["-1.0", "0", "1.5"]);
        let customers = ticks(Unit::Count, 7000.0, 10_000.0, 5);
        assert_eq!(
            [customers(&9500.0), customers(&10_000.0), customers(&-1000.0)],
            ["9,500", "10,000", "-1,000"]
        );
        let share = ticks(Unit::Share, 0.0, 0.3, 5);
        assert_eq!(share(&0.25), "25");
    }
}
