//! Writes the demo data set of Yardstick: `teams.csv`, `people.csv`, `metrics.csv`
//! and `targets.csv` for three teams and 25 people over six months (2026-05 to
//! 2026-10), matching the shipped definitions in `kpi-definitions/`.
//!
//! ```text
//! cargo run --example generate_demo              # writes examples/demo/
//! cargo run --example generate_demo -- /tmp/out  # writes /tmp/out/
//! ```
//!
//! The output is deterministic: a fixed seed, and each person draws from their own
//! random stream, so the same files come out on every machine and every run.
//!
//! What the data shows, on purpose:
//! - juniors below seniors on results; a ramping new hire (p002), an improving
//!   junior (p007), a declining senior (p010) and an improving CSM (p020);
//! - customer stocks that chain: a month's `customers_at_start` is the previous
//!   month's `customers_at_end`;
//! - "no data": p004 has no `visits_made` for 2026-07;
//! - "not computable": p009 won no new customers in 2026-08 (CAC divides by zero);
//! - a gate: p005 has a complaint rate above 5% in 2026-06 (grade capped at C,
//!   plus the complaint deduction);
//! - a red line: p006 has a compliance violation in 2026-09 (card zeroed; the
//!   East lead's grade is capped at B);
//! - target overrides for every period and for a single month.
//!
//! Team leads have no rows of their own: their role is scored on the team's
//! numbers, which are the sums of the members' rows.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::PathBuf;

const SEED: u64 = 0x5EED_2026_0A11_D0C5;
const MONTHS: [&str; 6] = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"];

/// SplitMix64: small, fast, and good enough for demo data.
struct Rng(u64);

impl Rng {
    fn new(stream: u64) -> Rng {
        let mut rng = Rng(SEED ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A whole number in [lo, hi], both included.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// Roughly normal noise with mean 0 and standard deviation `sd` (Irwin-Hall).
    fn noise(&mut self, sd: f64) -> f64 {
        let sum: f64 = (0..12).map(|_| self.unit()).sum();
        (sum - 6.0) * sd
    }

    /// How many of `n` trials succeed with probability `p` each.
    fn binomial(&mut self, n: i64, p: f64) -> i64 {
        let p = p.clamp(0.0, 1.0);
        (0..n).filter(|_| self.unit() < p).count() as i64
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    TeamLead,
    Junior,
    Senior,
    Success,
}

impl Role {
    fn key(self) -> &'static str {
        match self {
            Role::TeamLead => "team_lead",
            Role::Junior => "junior_rep",
            Role::Senior => "senior_rep",
            Role::Success => "customer_success",
        }
    }
}

struct Person {
    id: &'static str,
    name: &'static str,
    email: &'static str,
    team: &'static str,
    role: Role,
    /// 1.0 is an average performer of the role.
    skill: f64,
    /// Change of performance per month (0.04 = four percent better each month).
    trend: f64,
}

/// Id, name, name in Chinese, parent, and the card the team is scored with (empty:
/// the team scorecard role; customer care is judged on customer success KPIs).
const TEAMS: [(&str, &str, &str, &str, &str); 3] = [
    ("east", "East Region Sales", "华东区销售部", "", ""),
    ("east-key", "Key Accounts", "大客户组", "east", ""),
    ("care", "Customer Care", "客户服务部", "", "customer_success"),
];

fn people() -> Vec<Person> {
    use Role::*;
    let p = |id, name, email, team, role, skill, trend| Person {
        id,
        name,
        email,
        team,
        role,
        skill,
        trend,
    };
    vec![
        p(
            "p001",
            "王建国",
            "jianguo.wang@yardstick-demo.com",
            "east",
            TeamLead,
            1.0,
            0.0,
        ),
        p(
            "p002",
            "陈晓",
            "xiao.chen@yardstick-demo.com",
            "east",
            Junior,
            0.78,
            0.05,
        ),
        p(
            "p003",
            "Emily Zhang",
            "emily.zhang@yardstick-demo.com",
            "east",
            Junior,
            1.04,
            0.0,
        ),
        p("p004", "刘洋", "yang.liu@yardstick-demo.com", "east", Junior, 0.95, 0.0),
        p(
            "p005",
            "Jason Wu",
            "jason.wu@yardstick-demo.com",
            "east",
            Junior,
            0.9,
            0.0,
        ),
        p("p006", "赵敏", "min.zhao@yardstick-demo.com", "east", Junior, 1.0, 0.0),
        p(
            "p007",
            "Kevin Zhou",
            "kevin.zhou@yardstick-demo.com",
            "east",
            Junior,
            0.86,
            0.035,
        ),
        p("p008", "李娜", "na.li@yardstick-demo.com", "east", Senior, 1.08, 0.0),
        p(
            "p009",
            "Michael Sun",
            "michael.sun@yardstick-demo.com",
            "east",
            Senior,
            0.98,
            0.0,
        ),
        p(
            "p010",
            "周婷",
            "ting.zhou@yardstick-demo.com",
            "east",
            Senior,
            1.1,
            -0.03,
        ),
        p(
            "p011",
            "Sarah Lin",
            "sarah.lin@yardstick-demo.com",
            "east-key",
            TeamLead,
            1.0,
            0.0,
        ),
        p(
            "p012",
            "黄磊",
            "lei.huang@yardstick-demo.com",
            "east-key",
            Senior,
            1.05,
            0.0,
        ),
        p(
            "p013",
            "David Xu",
            "david.xu@yardstick-demo.com",
            "east-key",
            Senior,
            1.12,
            0.01,
        ),
        p(
            "p014",
            "马丽",
            "li.ma@yardstick-demo.com",
            "east-key",
            Senior,
            0.96,
            0.0,
        ),
        p(
            "p015",
            "Grace He",
            "grace.he@yardstick-demo.com",
            "east-key",
            Senior,
            1.0,
            0.0,
        ),
        p(
            "p016",
            "孙浩",
            "hao.sun@yardstick-demo.com",
            "east-key",
            Junior,
            0.92,
            0.02,
        ),
        p(
            "p017",
            "郑红",
            "hong.zheng@yardstick-demo.com",
            "care",
            TeamLead,
            1.0,
            0.0,
        ),
        p(
            "p018",
            "Amy Guo",
            "amy.guo@yardstick-demo.com",
            "care",
            Success,
            1.05,
            0.0,
        ),
        p("p019", "何军", "jun.he@yardstick-demo.com", "care", Success, 0.97, 0.0),
        p(
            "p020",
            "Lily Feng",
            "lily.feng@yardstick-demo.com",
            "care",
            Success,
            0.85,
            0.04,
        ),
        p("p021", "高峰", "feng.gao@yardstick-demo.com", "care", Success, 1.0, 0.0),
        p(
            "p022",
            "Ryan Tang",
            "ryan.tang@yardstick-demo.com",
            "care",
            Success,
            1.1,
            0.0,
        ),
        p(
            "p023",
            "林静",
            "jing.lin@yardstick-demo.com",
            "care",
            Success,
            0.93,
            0.0,
        ),
        p(
            "p024",
            "Sophie Qian",
            "sophie.qian@yardstick-demo.com",
            "care",
            Success,
            1.02,
            0.0,
        ),
        p(
            "p025",
            "胡斌",
            "bin.hu@yardstick-demo.com",
            "care",
            Success,
            0.95,
            -0.01,
        ),
    ]
}

/// The metrics each role's card, adjustments and gates read, plus those the team
/// card (`team_lead`, scored on the members' sums) reads from every member.
/// Looked up by hand from `kpi-definitions/`; keep in step with it.
const TEAM_CARD_METRICS: &[&str] = &[
    "complete_records",
    "customer_records",
    "enquiries",
    "enquiries_followed_24h",
    "visits_planned",
    "visits_made",
    "conversations_reviewed",
    "quality_score_points",
    "sales_amount",
    "sales_target",
    "customers_at_start",
    "customers_at_end",
    "new_customers",
    "churned_customers",
    "contracts_due",
    "contracts_renewed",
    "complaints",
    "compliance_violations",
];

fn role_metrics(role: Role) -> &'static [&'static str] {
    match role {
        Role::TeamLead => &[],
        Role::Junior => &["leads", "emails_delivered", "email_clicks", "referring_customers"],
        Role::Senior => &[
            "sales_last_period",
            "sales_forecast",
            "deals_closed",
            "total_cycle_days",
            "orders",
            "marketing_spend",
            "sales_spend",
            "repeat_customers",
            "referring_customers",
        ],
        Role::Success => &[
            "tickets",
            "total_first_response_hours",
            "tickets_resolved",
            "support_ratings",
            "support_rating_points",
            "nps_responses",
            "promoters",
            "detractors",
            "referring_customers",
        ],
    }
}

/// One person's values for one month, in the order they were set.
#[derive(Default)]
struct Month {
    values: Vec<(&'static str, f64)>,
}

impl Month {
    fn set(&mut self, metric: &'static str, value: f64) {
        self.values.push((metric, value));
    }

    fn get(&self, metric: &str) -> f64 {
        self.values
            .iter()
            .find(|(m, _)| *m == metric)
            .map_or(f64::NAN, |(_, v)| *v)
    }

    fn remove(&mut self, metric: &str) {
        self.values.retain(|(m, _)| *m != metric);
    }

    fn replace(&mut self, metric: &'static str, value: f64) {
        self.remove(metric);
        self.set(metric, value);
    }
}

/// What stays with a person from one month to the next.
struct Book {
    customers: i64,
    /// The person's monthly sales quota before seasonality.
    quota: f64,
    /// Typical order size and deal cycle, fixed per person.
    order_value: f64,
    cycle_days: f64,
}

fn round_to(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

/// Sales seasonality of the demo months (May..October): a summer dip, a strong autumn.
const SEASON: [f64; MONTHS.len()] = [1.0, 1.02, 0.93, 0.95, 1.05, 1.1];

fn simulate(person: &Person, index: usize) -> Vec<Month> {
    let mut rng = Rng::new(index as u64 + 1);
    let key_accounts = person.team == "east-key";
    let mut book = match person.role {
        Role::TeamLead => return Vec::new(),
        Role::Junior => Book {
            customers: rng.int(35, 55),
            quota: round_to(rng.range(70_000.0, 90_000.0), 5_000.0),
            order_value: rng.range(4_500.0, 6_000.0),
            cycle_days: 0.0,
        },
        Role::Senior if key_accounts => Book {
            customers: rng.int(40, 65),
            quota: round_to(rng.range(280_000.0, 340_000.0), 10_000.0),
            order_value: rng.range(13_000.0, 17_000.0),
            cycle_days: rng.range(40.0, 50.0),
        },
        Role::Senior => Book {
            customers: rng.int(90, 130),
            quota: round_to(rng.range(170_000.0, 220_000.0), 10_000.0),
            order_value: rng.range(7_200.0, 9_000.0),
            cycle_days: rng.range(33.0, 44.0),
        },
        Role::Success => Book {
            customers: rng.int(150, 220),
            quota: round_to(rng.range(50_000.0, 70_000.0), 5_000.0),
            order_value: 0.0,
            cycle_days: 0.0,
        },
    };

    let mut months = Vec::new();
    for (m, season) in SEASON.iter().enumerate() {
        let perf = (person.skill * (1.0 + person.trend * m as f64)).max(0.3);
        let mut month = Month::default();
        let start = book.customers;

        // Inflow and outflow of customers, by role.
        let (new, churned) = match person.role {
            Role::Junior => {
                let leads = (45.0 * rng.range(0.85, 1.15)).round();
                let conversion = (0.17 * perf + rng.noise(0.02)).clamp(0.04, 0.35);
                let new = (leads * conversion).round();
                month.set("leads", leads);
                (new as i64, rng.binomial(start, 0.015 / perf))
            }
            Role::Senior => {
                let deals = rng.int(7, 12) as f64 * if key_accounts { 0.6 } else { 1.0 };
                let deals = deals.round().max(2.0);
                let new = (deals * rng.range(0.55, 0.8)).round().max(1.0);
                (new as i64, rng.binomial(start, 0.012 / perf))
            }
            Role::Success => (rng.int(1, 4), rng.binomial(start, 0.02 / perf)),
            Role::TeamLead => unreachable!("team leads have no rows"),
        };
        let end = start + new - churned;
        month.set("customers_at_start", start as f64);
        month.set("customers_at_end", end as f64);
        month.set("new_customers", new as f64);
        month.set("churned_customers", churned as f64);
        book.customers = end;

        // Revenue against quota.
        let target = round_to(book.quota * season, 1_000.0);
        let attainment = match person.role {
            Role::Junior => 0.93 * perf + rng.noise(0.09),
            Role::Senior => 1.0 * perf + rng.noise(0.08),
            _ => 0.97 * perf.sqrt() + rng.noise(0.07),
        };
        let sales = round_to(target * attainment.clamp(0.35, 1.6), 10.0);
        month.set("sales_target", target);
        month.set("sales_amount", sales);

        // Data hygiene.
        let prospects = match person.role {
            Role::Junior => rng.int(25, 50),
            Role::Senior => rng.int(15, 35),
            _ => rng.int(0, 8),
        };
        let records = end + prospects;
        let completeness = (0.955 * perf.powf(0.3) + rng.noise(0.02)).clamp(0.7, 1.0);
        month.set("customer_records", records as f64);
        month.set("complete_records", (records as f64 * completeness).round());
        let enquiries = match person.role {
            Role::Junior => rng.int(20, 40),
            Role::Senior => rng.int(8, 16),
            _ => rng.int(30, 60),
        };
        let timely = (0.93 * perf.powf(0.5) + rng.noise(0.03)).clamp(0.6, 1.0);
        month.set("enquiries", enquiries as f64);
        month.set("enquiries_followed_24h", (enquiries as f64 * timely).round());

        // Activity and conversation quality.
        let planned = match person.role {
            Role::Junior => rng.int(27, 33),
            Role::Senior => rng.int(15, 20),
            _ => rng.int(8, 12),
        };
        let visited = (0.9 * perf.powf(0.7) + rng.noise(0.04)).clamp(0.55, 1.1);
        month.set("visits_planned", planned as f64);
        month.set("visits_made", (planned as f64 * visited).round());
        let reviewed = rng.int(4, 7);
        let quality: f64 = (0..reviewed)
            .map(|_| (76.0 * perf.powf(0.5) + rng.noise(6.0)).clamp(40.0, 99.0).round())
            .sum();
        month.set("conversations_reviewed", reviewed as f64);
        month.set("quality_score_points", quality);

        // Renewals, complaints, referrals, red lines.
        let due = match person.role {
            Role::Junior => rng.int(1, 4),
            Role::Senior => rng.int(3, 8),
            _ => rng.int(6, 14),
        };
        month.set("contracts_due", due as f64);
        month.set("contracts_renewed", rng.binomial(due, 0.86 * perf.powf(0.5)) as f64);
        month.set("complaints", rng.binomial(1, 0.18 / perf) as f64);
        month.set("compliance_violations", 0.0);
        month.set("referring_customers", rng.int(0, 3) as f64);

        match person.role {
            Role::Junior => {
                let delivered = rng.int(350, 650);
                let click = (0.04 * perf + rng.noise(0.005)).clamp(0.005, 0.09);
                month.set("emails_delivered", delivered as f64);
                month.set("email_clicks", (delivered as f64 * click).round());
            }
            Role::Senior => {
                let growth = 0.06 + 0.25 * (perf - 1.0) + rng.noise(0.05);
                month.set("sales_last_period", round_to(sales / (1.0 + growth), 10.0));
                let miss = rng.noise(0.07) + if perf < 1.0 { 0.04 } else { 0.0 };
                month.set("sales_forecast", round_to(sales * (1.0 + miss), 1_000.0));
                let deals = (new as f64 / rng.range(0.6, 0.8)).round().max(new as f64).max(1.0);
                let cycle: f64 = (0..deals as i64)
                    .map(|_| (book.cycle_days / perf.powf(0.5) * rng.range(0.7, 1.3)).round())
                    .sum();
                month.set("deals_closed", deals);
                month.set("total_cycle_days", cycle);
                let order_value = book.order_value * perf.powf(0.5) * rng.range(0.9, 1.1);
                month.set("orders", (sales / order_value).round().max(1.0));
                let spend_scale = if key_accounts { 0.8 } else { 1.0 };
                month.set(
                    "marketing_spend",
                    round_to(rng.range(2_500.0, 4_000.0) * spend_scale, 10.0),
                );
                month.set("sales_spend", round_to(rng.range(4_000.0, 6_500.0) * spend_scale, 10.0));
                month.set(
                    "repeat_customers",
                    (end as f64 * (0.3 * perf + rng.noise(0.03)).clamp(0.05, 0.6)).round(),
                );
            }
            Role::Success => {
                let tickets = rng.int(80, 150);
                let hours = (4.0 / perf + rng.noise(0.6)).clamp(1.2, 10.0);
                let resolved = (0.9 * perf.powf(0.5) + rng.noise(0.025)).clamp(0.6, 0.99);
                month.set("tickets", tickets as f64);
                month.set("total_first_response_hours", round_to(tickets as f64 * hours, 0.5));
                month.set("tickets_resolved", (tickets as f64 * resolved).round());
                let ratings = rng.int(30, 60);
                let stars = (4.3 * perf.powf(0.3) + rng.noise(0.12)).clamp(3.0, 4.95);
                month.set("support_ratings", ratings as f64);
                month.set("support_rating_points", (ratings as f64 * stars).round());
                let answers = rng.int(15, 35);
                let promoters = rng.binomial(answers, (0.5 * perf).clamp(0.1, 0.85));
                let detractors = rng.binomial(answers - promoters, (0.2 / perf).clamp(0.02, 0.6));
                month.set("nps_responses", answers as f64);
                month.set("promoters", promoters as f64);
                month.set("detractors", detractors as f64);
            }
            Role::TeamLead => {}
        }
        months.push(month);
    }
    months
}

/// The deliberate oddities the demo is meant to show; see the module comment.
fn plant_cases(id: &str, months: &mut [Month]) {
    let at = |period: &str| MONTHS.iter().position(|m| *m == period).expect("a demo month");
    match id {
        // No data: the visit log of July never arrived.
        "p004" => months[at("2026-07")].remove("visits_made"),
        // Not computable: no new customer in August, so CAC divides by zero.
        // The customer stocks stay consistent: the end of August and every later
        // month lose the customers that were not won.
        "p009" => {
            let august = at("2026-08");
            let lost = months[august].get("new_customers");
            months[august].replace("new_customers", 0.0);
            for (i, month) in months.iter_mut().enumerate().skip(august) {
                for stock in if i == august {
                    &["customers_at_end"][..]
                } else {
                    &["customers_at_start", "customers_at_end"][..]
                } {
                    let v = month.get(stock);
                    month.replace(stock, v - lost);
                }
                let records = month.get("customer_records");
                let complete = month.get("complete_records");
                month.replace("customer_records", records - lost);
                month.replace("complete_records", (complete - lost).min(records - lost));
            }
        }
        // Complaint rate above 5% in June: the grade is capped at C.
        "p005" => {
            let june = &mut months[at("2026-06")];
            let customers = june.get("customers_at_end");
            june.replace("complaints", (customers * 0.055).ceil());
        }
        // A compliance red line in September: the whole card scores zero.
        "p006" => months[at("2026-09")].replace("compliance_violations", 1.0),
        _ => {}
    }
}

/// A plain decimal: whole numbers without a fraction, others with up to two places.
fn number(value: f64) -> String {
    if value == value.trunc() {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').to_owned()
    }
}

/// Quotes a CSV field when it needs it.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn main() -> io::Result<()> {
    let out: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("examples/demo"), PathBuf::from);
    fs::create_dir_all(&out)?;
    let people = people();

    let mut teams = String::from("id,name,name_zh,parent,card\n");
    for (id, name, name_zh, parent, card) in TEAMS {
        let _ = writeln!(
            teams,
            "{},{},{},{},{}",
            field(id),
            field(name),
            field(name_zh),
            field(parent),
            field(card)
        );
    }

    let mut roster = String::from("id,name,email,team,role\n");
    for p in &people {
        let _ = writeln!(
            roster,
            "{},{},{},{},{}",
            p.id,
            field(p.name),
            p.email,
            p.team,
            p.role.key()
        );
    }

    // Simulate everyone, then write month by month, person by person, each
    // person's metrics in the order of their lists.
    let simulated: Vec<Vec<Month>> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut months = simulate(p, i);
            plant_cases(p.id, &mut months);
            months
        })
        .collect();
    let mut metrics = String::from("subject,period,metric,value\n");
    let mut rows = 0;
    for (m, period) in MONTHS.iter().enumerate() {
        for (p, person) in people.iter().enumerate() {
            let Some(month) = simulated[p].get(m) else { continue };
            let mut names: Vec<&str> = TEAM_CARD_METRICS.to_vec();
            names.extend(
                role_metrics(person.role)
                    .iter()
                    .filter(|n| !TEAM_CARD_METRICS.contains(n)),
            );
            for name in names {
                let value = month.get(name);
                if value.is_nan() {
                    continue; // a deliberate gap
                }
                let _ = writeln!(metrics, "{},{},{},{}", person.id, period, name, number(value));
                rows += 1;
            }
        }
    }

    // Overrides of the role defaults: blank period = every period; blank
    // threshold / stretch = keep the role's.
    let targets = "\
subject,period,kpi,target,threshold,stretch
p002,,visit_plan_completion,80,,
p002,,sales_conversion_rate,14,8,20
p012,,average_order_value,15000,,
p013,,average_order_value,15000,,
p014,,average_order_value,15000,,
p015,,average_order_value,15000,,
p012,,sales_cycle_length,48,,
p013,,sales_cycle_length,48,,
p014,,sales_cycle_length,48,,
p015,,sales_cycle_length,48,,
p008,2026-10,sales_cycle_length,35,,
p019,2026-09,average_response_time,3,,1.5
east-key,,customer_retention_rate,98,,
p011,,customer_retention_rate,98,,
";

    fs::write(out.join("teams.csv"), teams)?;
    fs::write(out.join("people.csv"), roster)?;
    fs::write(out.join("metrics.csv"), metrics)?;
    fs::write(out.join("targets.csv"), targets)?;
    println!(
        "wrote {} teams, {} people, {rows} metric rows over {} months and the target overrides to {}",
        TEAMS.len(),
        people.len(),
        MONTHS.len(),
        out.display()
    );
    Ok(())
}
