//! The KPIs tab's model: the all-groups row first, then the groups ranked by health;
//! which banded metric the sparklines show (`m`: 日活率, 消息衰减, KOL 产出比) over how
//! many days (`v`: 30 or 90); the open alerts; and the form (`e`) for a value only
//! WeChat sees (opens, clicks, orders, GMV, …), which leaves as `Effect::KpiEntry`.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::table::Row;
use super::{Action, App, Effect, Mode};
use crate::domain::kpi::Metric;
use crate::i18n::fill;
use crate::store::kpi::{AlertRow, GroupKpi, KpiBoard};

/// Days of history loaded (the `v` toggle switches between 30 and this without a reload).
pub const LOAD_DAYS: u32 = 90;

/// The metrics a sparkline can show: the ones with bands.
pub const SPARK_METRICS: [Metric; 3] = [Metric::DauRate, Metric::MessageDecline, Metric::KolShare];

/// The tab's state beyond its table.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiView {
    /// Days the sparklines cover: 30 or 90.
    pub days: u32,
    /// Index into [`SPARK_METRICS`].
    pub metric: usize,
    pub end: Option<NaiveDate>,
    pub alerts: Vec<AlertRow>,
    /// `l`: the launch board (issue 16, `App::launch`) instead of the KPI table.
    pub launch: bool,
}

impl Default for KpiView {
    fn default() -> Self {
        KpiView {
            days: super::KPI_DAYS,
            metric: 0,
            end: None,
            alerts: Vec::new(),
            launch: false,
        }
    }
}

impl KpiView {
    pub fn spark_metric(&self) -> Metric {
        SPARK_METRICS[self.metric % SPARK_METRICS.len()]
    }
}

/// The entry form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Day,
    Metric,
    Value,
}

/// A value being entered for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiForm {
    pub group_id: i64,
    pub group: String,
    pub day: String,
    /// Index into `Metric::MANUAL`.
    pub metric: usize,
    pub value: String,
    pub field: FormField,
    pub error: Option<String>,
}

impl KpiForm {
    pub fn metric(&self) -> Metric {
        Metric::MANUAL[self.metric % Metric::MANUAL.len()]
    }
}

/// A number in an effect (effects compare exactly: by bits).
#[derive(Debug, Clone, Copy)]
pub struct Value(pub f64);

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Value {}

impl Row for GroupKpi {
    fn key(&self) -> i64 {
        self.group_id
    }
    fn haystack(&self) -> String {
        format!("{} {}", self.group, self.kind)
    }
}

/// `1,299.50`, `¥88`, `42` → a number ≥ 0.
fn parse_value(s: &str) -> Option<f64> {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | ' '))
        .collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

impl App {
    pub(super) fn kpi_loaded(&mut self, board: KpiBoard) {
        let KpiBoard {
            end,
            groups,
            mut all,
            alerts,
            launch,
        } = board;
        self.launch_loaded(launch);
        all.group = self.texts.kpi.all_groups.clone();
        let mut rows = Vec::with_capacity(groups.len() + 1);
        rows.push(all);
        rows.extend(groups);
        self.kpi_view.end = Some(end);
        self.kpi_view.alerts = alerts;
        self.kpi.set_rows(rows);
    }

    pub(super) fn kpi_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::KpiDays => {
                self.kpi_view.days = if self.kpi_view.days >= LOAD_DAYS {
                    super::KPI_DAYS
                } else {
                    LOAD_DAYS
                };
            }
            Action::KpiLaunch => {
                self.kpi_view.launch = !self.kpi_view.launch;
            }
            Action::KpiMetric => {
                self.kpi_view.metric = (self.kpi_view.metric + 1) % SPARK_METRICS.len();
            }
            Action::KpiEnter => {
                let Some(row) = self.kpi.current().filter(|r| !r.is_all()) else {
                    self.flash = Some(super::Flash {
                        text: self.texts.kpi.pick_group.clone(),
                        error: true,
                    });
                    return Vec::new();
                };
                self.mode = Mode::KpiForm(Box::new(KpiForm {
                    group_id: row.group_id,
                    group: row.group.clone(),
                    day: self.real_today().to_string(),
                    metric: 0,
                    value: String::new(),
                    field: FormField::Value,
                    error: None,
                }));
            }
            _ => {}
        }
        Vec::new()
    }

    /// Keys while the form is open: typing edits the field, Tab / ↑↓ move between
    /// fields, ←→ change the metric, Enter saves, Esc leaves.
    pub(super) fn kpi_form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let today = self.real_today();
        let texts = self.texts;
        let Mode::KpiForm(form) = &mut self.mode else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let order = [FormField::Day, FormField::Metric, FormField::Value];
        let at = order.iter().position(|f| *f == form.field).unwrap_or(2);
        match key.code {
            KeyCode::Esc => self.mode = Mode::Normal,
            KeyCode::Char('c') if ctrl => self.mode = Mode::Normal,
            KeyCode::Tab | KeyCode::Down => form.field = order[(at + 1) % order.len()],
            KeyCode::BackTab | KeyCode::Up => {
                form.field = order[(at + order.len() - 1) % order.len()]
            }
            KeyCode::Left if form.field == FormField::Metric => {
                form.metric = (form.metric + Metric::MANUAL.len() - 1) % Metric::MANUAL.len();
            }
            KeyCode::Right if form.field == FormField::Metric => {
                form.metric = (form.metric + 1) % Metric::MANUAL.len();
            }
            KeyCode::Backspace => match form.field {
                FormField::Day => {
                    form.day.pop();
                }
                FormField::Value => {
                    form.value.pop();
                }
                FormField::Metric => {}
            },
            KeyCode::Char(c) if !ctrl => match form.field {
                FormField::Day => form.day.push(c),
                FormField::Value => form.value.push(c),
                FormField::Metric => {}
            },
            KeyCode::Enter => {
                let t = &texts.kpi;
                let day = match NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d") {
                    Ok(d) if d <= today => d,
                    Ok(_) => {
                        form.error = Some(t.future_day.clone());
                        form.field = FormField::Day;
                        return Vec::new();
                    }
                    Err(_) => {
                        form.error = Some(t.bad_day.clone());
                        form.field = FormField::Day;
                        return Vec::new();
                    }
                };
                let Some(value) = parse_value(&form.value) else {
                    form.error = Some(t.bad_value.clone());
                    form.field = FormField::Value;
                    return Vec::new();
                };
                let metric = form.metric();
                let saved = fill(
                    &t.saved,
                    &[
                        ("group", &form.group),
                        ("day", &day),
                        ("metric", &texts.enum_text(&metric.label_key())),
                        ("value", &metric.show(value)),
                    ],
                );
                let fx = Effect::KpiEntry {
                    group_id: form.group_id,
                    day,
                    metric,
                    value: Value(value),
                    saved,
                };
                self.mode = Mode::Normal;
                return vec![fx];
            }
            _ => {}
        }
        Vec::new()
    }
}
