use sea_orm::entity::prelude::*;

/// One metric value, keyed by numbers: the month as 202610, the subject and the
/// metric by their ids in `subjects` and `metrics`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "metric_values")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub metric_id: i32,
    pub value: f64,
    pub import_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
