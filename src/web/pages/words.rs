//! The pages' own words in each language they are shown in; names of KPIs and roles
//! come from the YAML instead.

use crate::kpi::definition::LocalizedName;

/// A page's language: `?lang=zh|en`, else the language cookie the last such choice
/// left, else the browser's `Accept-Language`, else English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

/// Remembers the reader's last `?lang=` choice for the pages that follow.
pub const LANG_COOKIE: &str = "ys_lang";

impl Lang {
    /// `zh` or `en` (with a region, as `zh-CN`, too); `None` for any other language.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn parse(asked: Option<&str>) -> Lang {
        asked.and_then(Lang::from_code).unwrap_or(Lang::En)
    }

    /// The language of a page for `req`, in the order the reader expressed it.
    pub fn negotiate(req: &actix_web::HttpRequest, asked: Option<&str>) -> Lang {
        asked
            .and_then(Lang::from_code)
            .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::from_code(c.value())))
            .or_else(|| {
                req.headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::accepted)
            })
            .unwrap_or(Lang::En)
    }

    /// The first of `zh` and `en` in an `Accept-Language` header, by quality.
    fn accepted(header: &str) -> Option<Lang> {
        let mut offers: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(order, item)| {
                let mut parts = item.split(';');
                let lang = Lang::from_code(parts.next()?)?;
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (quality > 0.0).then_some((quality, order, lang))
            })
            .collect();
        offers.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        offers.first().map(|&(_, _, lang)| lang)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// A card's name in this language: a team's Chinese name when it has one.
    pub fn card_name(self, card: &crate::report::CardView) -> &str {
        self.name_or(&card.name, card.name_zh.as_deref())
    }

    /// `name`, or in Chinese `zh` when there is one.
    pub fn name_or<'a>(self, name: &'a str, zh: Option<&'a str>) -> &'a str {
        match (self, zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => name,
        }
    }

    /// The name in this language, from the YAML.
    pub fn pick(self, name: &LocalizedName) -> &str {
        match self {
            Lang::En => &name.en,
            Lang::Zh => &name.zh,
        }
    }

    pub fn words(self) -> &'static Words {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }
}

#[derive(Debug)]
pub struct Words {
    pub scorecards: &'static str,
    pub teams: &'static str,
    pub review: &'static str,
    pub upload: &'static str,
    pub accounts: &'static str,
    /// The admin's page of teams and their cards.
    pub teams_admin: &'static str,
    pub mail_admin: &'static str,
    pub definitions: &'static str,
    pub sign_out: &'static str,
    pub period: &'static str,
    pub month: &'static str,
    pub quarter: &'static str,
    pub year: &'static str,
    pub show: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub trend: &'static str,
    pub trend_of: &'static str,
    pub total: &'static str,
    pub grade: &'static str,
    pub rank: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub members: &'static str,
    pub sub_teams: &'static str,
    pub scorecard: &'static str,
    pub peers: &'static str,
    pub rank_in_role: &'static str,
    pub percentile: &'static str,
    pub percentile_note: &'static str,
    pub team_median: &'static str,
    pub no_data: &'static str,
    pub overview: &'static str,
    pub no_team_card: &'static str,
    pub tiers: &'static str,
    pub tier: &'static str,
    pub weight: &'static str,
    pub score: &'static str,
    pub kpi: &'static str,
    pub value: &'static str,
    pub target: &'static str,
    pub achievement: &'static str,
    pub points: &'static str,
    pub contribution: &'static str,
    pub explain: &'static str,
    pub bonus_coefficient: &'static str,
    pub incomplete: &'static str,
    /// Shown instead of a total when a card has none.
    pub no_total: &'static str,
    /// Cards left out of a leaderboard for want of a total.
    pub without_total: &'static str,
    pub gate_fired: &'static str,
    pub adjustments: &'static str,
    pub standing: &'static str,
    pub points_lost: &'static str,
    pub since: &'static str,
    pub shortfalls: &'static str,
    pub no_shortfall: &'static str,
    pub last_periods: &'static str,
    pub grade_bands: &'static str,
    pub lead: &'static str,
    pub grade_spread: &'static str,
    pub change: &'static str,
    pub people: &'static str,
    pub all: &'static str,
    pub rows: &'static str,
    pub pages: &'static str,
    pub team_tree: &'static str,
}

static EN: Words = Words {
    scorecards: "Scorecards",
    teams: "Teams",
    review: "Review",
    upload: "Upload data",
    accounts: "Accounts",
    teams_admin: "Team cards",
    mail_admin: "Mail",
    definitions: "Definitions",
    sign_out: "Sign out",
    period: "Period",
    month: "Month",
    quarter: "Quarter",
    year: "Year",
    show: "Show",
    previous: "Previous",
    next: "Next",
    trend: "Trend",
    trend_of: "Trend of the last periods",
    total: "Total",
    grade: "Grade",
    rank: "Rank",
    name: "Name",
    role: "Role",
    members: "Members",
    sub_teams: "Sub-teams",
    scorecard: "Scorecard",
    peers: "Among peers",
    rank_in_role: "Rank in role",
    percentile: "Percentile",
    percentile_note: "share of others in the role with a lower total",
    team_median: "Team median total",
    no_data: "no data",
    overview: "Teams ranked by total",
    no_team_card: "This team has no scorecard of its own.",
    tiers: "Tiers",
    tier: "Tier",
    weight: "Weight",
    score: "Score",
    kpi: "KPI",
    value: "Value",
    target: "Target",
    achievement: "Achievement",
    points: "Points",
    contribution: "Contribution",
    explain: "explain",
    bonus_coefficient: "bonus coefficient",
    incomplete: "incomplete: some KPIs could not be scored",
    no_total: "No total for this period",
    without_total: "No total this period",
    gate_fired: "Gate fired",
    adjustments: "Bonuses and deductions",
    standing: "Status",
    points_lost: "Points lost",
    since: "since",
    shortfalls: "Largest shortfalls",
    no_shortfall: "Every KPI is on track.",
    last_periods: "Last periods",
    grade_bands: "Grade bands",
    lead: "Team lead",
    grade_spread: "Grades",
    change: "Change",
    people: "People",
    all: "all",
    rows: "Rows",
    pages: "Pages",
    team_tree: "Teams and the teams below them",
};

static ZH: Words = Words {
    scorecards: "绩效卡",
    teams: "团队",
    review: "月度考核",
    upload: "上传数据",
    accounts: "账户",
    teams_admin: "团队评分卡",
    mail_admin: "邮件",
    definitions: "指标定义",
    sign_out: "退出",
    period: "期间",
    month: "月",
    quarter: "季度",
    year: "年",
    show: "查看",
    previous: "上一期",
    next: "下一期",
    trend: "趋势",
    trend_of: "近期趋势",
    total: "总分",
    grade: "等级",
    rank: "排名",
    name: "姓名",
    role: "岗位",
    members: "成员",
    sub_teams: "下级团队",
    scorecard: "绩效卡",
    peers: "同岗位比较",
    rank_in_role: "岗位内排名",
    percentile: "百分位",
    percentile_note: "同岗位其他人中总分低于本人的比例",
    team_median: "团队总分中位数",
    no_data: "无数据",
    overview: "团队总分排名",
    no_team_card: "该团队没有自己的绩效卡。",
    tiers: "层级",
    tier: "层级",
    weight: "权重",
    score: "得分",
    kpi: "指标",
    value: "实际值",
    target: "目标",
    achievement: "达成率",
    points: "分数",
    contribution: "贡献",
    explain: "说明",
    bonus_coefficient: "奖金系数",
    incomplete: "不完整：部分指标无法计分",
    no_total: "本期无总分",
    without_total: "本期无总分",
    gate_fired: "触发门槛",
    adjustments: "加分与扣分",
    standing: "状态",
    points_lost: "失分",
    since: "较",
    shortfalls: "失分最多的指标",
    no_shortfall: "所有指标均已达标。",
    last_periods: "近期走势",
    grade_bands: "等级区间",
    lead: "团队负责人",
    grade_spread: "等级分布",
    change: "变化",
    people: "人员",
    all: "全部",
    rows: "行",
    pages: "分页",
    team_tree: "团队层级",
};

impl Lang {
    /// How much of a period a KPI stands on: "from 2 of 3 months", "15 of 16 members".
    pub fn coverage(self, coverage: &crate::kpi::rollup::Coverage) -> String {
        use crate::kpi::rollup::CoverageUnit;
        let (covered, expected) = (coverage.covered, coverage.expected);
        match self {
            Lang::En => format!("from {coverage}"),
            Lang::Zh => {
                let unit = match coverage.of {
                    CoverageUnit::Months => "个月",
                    CoverageUnit::Members => "名成员",
                    CoverageUnit::MemberMonths => "个成员月",
                };
                format!("依据 {expected} {unit}中的 {covered} {unit}")
            }
        }
    }
}

impl Lang {
    /// Why a page shows the month it shows when none was asked for.
    pub fn default_month(self, default: crate::web::scores::DefaultMonth) -> String {
        use crate::web::scores::DefaultMonth;
        let zh = self == Lang::Zh;
        match (default, zh) {
            (DefaultMonth::EnoughData(m), false) => format!("Showing {m}, the latest month with enough data to score."),
            (DefaultMonth::EnoughData(m), true) => format!("显示 {m}：最近一个数据足以计分的月份。"),
            (DefaultMonth::Finalized(m), false) => {
                format!("Showing {m}, the latest finalized month: no recent month has enough data to score.")
            }
            (DefaultMonth::Finalized(m), true) => format!("显示 {m}：最近一个已定稿的月份；近期月份数据不足以计分。"),
            (DefaultMonth::LatestData(m), false) => {
                format!("Showing {m}, the latest month with data: no month has enough data to score yet.")
            }
            (DefaultMonth::LatestData(m), true) => format!("显示 {m}：最近一个有数据的月份；尚无月份数据足以计分。"),
            (DefaultMonth::Today(m), false) => format!("Showing {m}: there is no data yet."),
            (DefaultMonth::Today(m), true) => format!("显示 {m}：尚无数据。"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn accept_language_is_read_by_quality_then_order() {
        assert_eq!(Lang::accepted("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::Zh));
        assert_eq!(Lang::accepted("fr-FR, en;q=0.5, zh;q=0.7"), Some(Lang::Zh));
        assert_eq!(Lang::accepted("en-GB,en;q=0.9,zh-TW;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::accepted("de, fr;q=0.8"), None);
        assert_eq!(
            Lang::accepted("zh;q=0, en;q=0.1"),
            Some(Lang::En),
            "q=0 means not this one"
        );
        assert_eq!(Lang::accepted("zh;q=abc"), None);
    }
}
