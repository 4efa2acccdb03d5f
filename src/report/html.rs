//! `report.html`: one self-contained page (inline SVG and CSS, the font embedded once, no
//! script, no network access) with the summary table, the comparison tables and verdicts as
//! real HTML tables, and every chart, so it opens correctly from an e-mail attachment and reads
//! from 1000 px wide.

use std::fmt::Write;

use super::{Figure, charts, font_face};
use crate::compare::Comparison;
use crate::experiment::RunResult;
use crate::output::compare::{CI_ROW, LEGEND, chain_rows, decision_rows, verdict};
use crate::output::table::{Rows, summary_rows};

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page's CSS, shared by every report page.
pub const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1120px;margin:1.5em auto;padding:0 12px;color:#222;line-height:1.45}\
table{border-collapse:collapse;margin:.8em 0;font-size:14px}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}\
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4;font-weight:600}.wrap{overflow-x:auto}\
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;display:block}\
figcaption{color:#444;margin:.4em 0;font-size:14px}.note{color:#666;font-size:13px}\
tr.ci td{font-size:12px;color:#666;border-bottom-color:#bbb}dl dt{font-weight:600;margin-top:.5em}dl dd{margin-left:1.2em}ul.verdicts li{margin:.3em 0}ul.warnings li{margin:.3em 0;color:#a40000}";

/// The label and coloured swatch of scenario `name`, found in the run.
fn named(result: &RunResult, name: &str) -> String {
    match result.scenarios.iter().position(|r| r.scenario.name == name) {
        Some(i) => format!(
            "<span class=\"swatch\" style=\"background:{}\"></span>{}",
            charts::css_colour(i),
            escape(&result.scenarios[i].scenario.label())
        ),
        None => escape(name),
    }
}

/// An HTML table; the first cell of each row names a scenario.
fn table(result: &RunResult, (headers, rows): &Rows) -> String {
    let mut t = String::from("<div class=\"wrap\"><table><thead><tr>");
    for h in headers {
        let _ = write!(t, "<th>{}</th>", escape(h));
    }
    t.push_str("</tr></thead><tbody>");
    for row in rows {
        t.push_str(if row.first().is_some_and(|c| c == CI_ROW) {
            "<tr class=\"ci\">"
        } else {
            "<tr>"
        });
        for (k, cell) in row.iter().enumerate() {
            let text = if k == 0 { named(result, cell) } else { escape(cell) };
            let _ = write!(t, "<td>{text}</td>");
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table></div>");
    t
}

/// The sample notes and the guards' warnings, if any, as the first thing on the page.
fn notices(result: &RunResult) -> String {
    let mut h = String::new();
    for note in crate::output::table::sample_notes(result) {
        let _ = write!(h, "<p class=\"note\">{}</p>", escape(&note));
    }
    let warnings = crate::guards::warnings(result);
    if !warnings.is_empty() {
        h.push_str("<h2>Warnings</h2><ul class=\"warnings\">");
        for w in &warnings {
            let _ = write!(
                h,
                "<li>{}: {}; check {}.</li>",
                named(result, &w.scenario),
                escape(&w.cause),
                escape(w.check)
            );
        }
        h.push_str("</ul><p class=\"note\">The results of these scenarios lie outside the range the model is calibrated for: read their figures, NPV included, as a sign that the scenario needs fixing, not as a forecast.</p>");
    }
    h
}

/// The whole page.
pub fn page(result: &RunResult, comparison: Option<&Comparison>, figures: &[(Figure, String)]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>spc report</title><style>{}{STYLE}</style></head><body>\
         <h1>Service profit chain: simulation report</h1>\
         <p class=\"note\">{} scenarios, {} replications each, seed {}, {:.2e} customer-months simulated in {:.1} s on {} threads (spc {}).</p>\
         {}<h2>Summary</h2>{}<p class=\"note\">Means over replications. Reported score: the mean survey answer; top box: the share of answers that are 5; satisfied churners: the share of leavers whose last answer was 4 or 5.</p>",
        font_face(),
        result.scenarios.len(),
        result.options.replications,
        result.options.seed,
        result.customer_months as f64,
        result.elapsed.as_secs_f64(),
        result.options.threads,
        env!("CARGO_PKG_VERSION"),
        notices(result),
        table(result, &summary_rows(result)),
    );
    h.push_str("<h2>Scenarios</h2><dl>");
    for (i, run) in result.scenarios.iter().enumerate() {
        let _ = write!(
            h,
            "<dt>{}</dt><dd>{}{}</dd>",
            named(result, &run.scenario.name),
            escape(&run.scenario.description),
            if i == 0 && result.scenarios.len() > 1 {
                " (the baseline the others are compared with)"
            } else {
                ""
            }
        );
    }
    h.push_str("</dl>");
    if let Some(c) = comparison {
        let _ = write!(
            h,
            "<h2>Decision against {}</h2>{}<h2>The chain, link by link</h2>{}<h2>Verdicts</h2><ul class=\"verdicts\">",
            escape(&result.scenarios[0].scenario.label()),
            table(result, &decision_rows(c)),
            table(result, &chain_rows(c, true)),
        );
        for a in &c.comparisons {
            let _ = write!(h, "<li>{}: {}</li>", named(result, &a.scenario), escape(&verdict(a)));
        }
        let _ = write!(
            h,
            "</ul><p class=\"note\">Paired over {} replications (common random numbers). Verdict rule: {}. {}</p>",
            c.replications,
            escape(crate::compare::RULE),
            escape(&LEGEND.join(" "))
        );
    }
    let mut section = None;
    for (fig, svg) in figures {
        if section != Some(fig.section) {
            section = Some(fig.section);
            let _ = write!(h, "<h2>{}</h2>", fig.section.heading());
        }
        let _ = write!(
            h,
            "<figure id=\"{}\" aria-label=\"{}\">{}<figcaption>{}</figcaption></figure>",
            fig.stem,
            escape(fig.chart.title()),
            svg,
            escape(&fig.caption)
        );
    }
    h.push_str("</body></html>\n");
    h
}
