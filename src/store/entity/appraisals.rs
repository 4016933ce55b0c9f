use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "appraisals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub person: String,
    pub self_ratings: Option<String>,
    pub self_comment: Option<String>,
    pub self_at: Option<String>,
    pub manager_ratings: Option<String>,
    pub manager_comment: Option<String>,
    pub rated_by: Option<String>,
    pub rated_at: Option<String>,
    pub adjusted_grade: Option<String>,
    pub adjust_reason: Option<String>,
    pub adjusted_by: Option<String>,
    pub adjusted_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub appeal: Option<String>,
    pub appealed_at: Option<String>,
    pub appeal_outcome: Option<String>,
    pub appeal_grade: Option<String>,
    pub appeal_resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
