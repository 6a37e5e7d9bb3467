//! Consecutive struct edits of a chain, run as one step per record.
//!
//! A run of two or more stages without predicates whose transforms are struct edits of the
//! same record part (say MaskField, ReplaceField and InsertField on the value) becomes a
//! [`FusedGroup`]. Per input schema the group keeps each stage's [`StructEdit`] (built from
//! the schema the previous stage produces) and the final output schema. A record of that
//! schema then takes one look-up, each stage's value edit in turn, and one schema swap.
//! Records the group cannot take (no schema, a value that is not a struct, or a schema some
//! stage fails to build an edit for) run stage by stage, so results and errors are exactly
//! those of the stages alone.

use std::ops::Range;
use std::sync::Arc;

use super::struct_edit::{run_reshaped, RecordMeta, RecordPart, StructEdit};
use super::Stage;
use crate::data::{ConnectRecord, SchemaCache, SchemaRef, Struct, Value};
use crate::error::{ConnectError, ConnectResult};

/// Stages of a chain run as one step.
pub(super) struct FusedGroup {
    /// The stages' indices in the chain.
    pub(super) stages: Range<usize>,
    part: RecordPart,
    plans: SchemaCache<Arc<GroupPlan>>,
}

/// What a group does to structs of one input schema.
enum GroupPlan {
    /// Each stage's edit, in order, with the stage's index.
    Fused {
        edits: Vec<(usize, Arc<StructEdit>)>,
        /// The last stage output schema, if any stage changes the schema.
        output: Option<SchemaRef>,
        /// How many values the struct gains over the group.
        grow: usize,
    },
    /// A stage cannot build its edit for this schema: run the stages one by one, so the
    /// record fails where and as that stage alone fails it.
    PerStage,
}

/// Context of an error raised by a stage (the chain's wording).
pub(super) fn stage_context(alias: &str) -> String {
    format!("Error in transform '{alias}'")
}

impl FusedGroup {
    /// Splits a chain's stages into single stages and fused groups, in order.
    pub(super) fn plan_steps(stages: &[Stage]) -> Vec<Step> {
        let part_of = |s: &Stage| match s.predicate {
            None => s.transform.struct_edit_part(),
            Some(_) => None,
        };
        let mut steps = Vec::new();
        let mut i = 0;
        while i < stages.len() {
            let Some(part) = part_of(&stages[i]) else {
                steps.push(Step::One(i));
                i += 1;
                continue;
            };
            let end = (i..stages.len())
                .find(|&j| part_of(&stages[j]) != Some(part))
                .unwrap_or(stages.len());
            if end - i >= 2 {
                steps.push(Step::Fused(Box::new(FusedGroup {
                    stages: i..end,
                    part,
                    plans: SchemaCache::new(),
                })));
            } else {
                steps.push(Step::One(i));
            }
            i = end;
        }
        steps
    }

    fn build(&self, stages: &[Stage], input: &SchemaRef) -> GroupPlan {
        let mut current = input.clone();
        let mut output = None;
        let mut edits = Vec::with_capacity(self.stages.len());
        for i in self.stages.clone() {
            let Ok(edit) = stages[i].transform.struct_edit(&current) else {
                return GroupPlan::PerStage;
            };
            if let Some(o) = &edit.output {
                current = o.clone();
                output = Some(o.clone());
            }
            edits.push((i, edit));
        }
        GroupPlan::Fused {
            edits,
            output,
            grow: current.fields.len().saturating_sub(input.fields.len()),
        }
    }

    /// Runs the group on a record; `false` means a stage dropped it (only on the stage by
    /// stage path: struct edits never drop).
    pub(super) fn apply(
        &self,
        stages: &[Stage],
        record: &mut ConnectRecord,
    ) -> ConnectResult<bool> {
        // The plan is looked up by the record's schema slot, which is the struct's own
        // schema `Arc` as a rule: then the struct can be edited inside the look-up, with no
        // reference taken on the plan.
        let outcome = match self.part.split(record) {
            (meta, Some(key), Value::Struct(st)) if Arc::ptr_eq(key, st.schema()) => {
                let build = || Ok(Arc::new(self.build(stages, key)));
                self.plans.with(key, build, |plan| match &**plan {
                    GroupPlan::Fused {
                        edits,
                        output,
                        grow,
                    } => Some(self.run_edits(stages, st, edits, output, *grow, &meta)),
                    GroupPlan::PerStage => None,
                })?
            }
            _ => None,
        };
        match outcome {
            None => self.per_stage(stages, record),
            Some(Err(e)) => Err(e),
            Some(Ok(None)) => Ok(true),
            Some(Ok(Some(output))) => {
                *self.part.split(record).1 = Some(output);
                Ok(true)
            }
        }
    }

    /// Runs each stage's edit on the struct's values and gives the struct the output
    /// schema; returns the schema for the record's slot when it changes.
    fn run_edits(
        &self,
        stages: &[Stage],
        st: &mut Struct,
        edits: &[(usize, Arc<StructEdit>)],
        output: &Option<SchemaRef>,
        grow: usize,
        meta: &RecordMeta<'_>,
    ) -> ConnectResult<Option<SchemaRef>> {
        // The stage an error belongs to: the failing edit's, or the last for a struct whose
        // values do not fit the output schema.
        let mut failed = edits.last().map_or(self.stages.start, |(i, _)| *i);
        let run = |values: &mut Vec<Value>| {
            values.reserve(grow);
            for (i, edit) in edits {
                if let Some(e) = &edit.values {
                    if let Err(err) = e.edit(values, meta) {
                        failed = *i;
                        return Err(err);
                    }
                }
            }
            Ok(())
        };
        let result = match output {
            Some(o) => run_reshaped(st, o.clone(), run),
            // No stage changes the schema: the struct keeps its own.
            None => st
                .edit_values(run)
                .map_err(ConnectError::from)
                .and_then(|r| r),
        };
        result.map_err(|e| e.context(stage_context(&stages[failed].alias)))?;
        Ok(output.clone())
    }

    fn per_stage(&self, stages: &[Stage], record: &mut ConnectRecord) -> ConnectResult<bool> {
        for i in self.stages.clone() {
            if !stages[i].run(record)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// One step of a chain.
pub(super) enum Step {
    /// A stage run on its own.
    One(usize),
    /// Stages run as one.
    Fused(Box<FusedGroup>),
}
