//! The metrics sink of one VM: defines each counter once (ids cached by stat name), bounds the
//! project/model label values, and increments what `crate::metrics` says a record adds.

use super::host;
use crate::audit::AuditRecord;
use crate::metrics::{increments, LabelCap};
use std::collections::HashMap;

/// Most distinct stat names defined per VM; beyond, increments are dropped (never unbounded).
const MAX_STATS: usize = 20_000;

/// One per VM, shared by the root and every HTTP context.
pub struct Sink {
    ids: HashMap<String, u32>,
    /// Reused buffer for stat names.
    name: String,
    cap: LabelCap,
    failed: bool,
}

impl Sink {
    /// A sink keeping at most `max_label_values` values per capped label.
    pub fn new(max_label_values: u32) -> Self {
        Self {
            ids: HashMap::new(),
            name: String::new(),
            cap: LabelCap::new(max_label_values),
            failed: false,
        }
    }

    /// Adds one finished record to the counters.
    pub fn record(&mut self, rec: &AuditRecord) {
        // One name buffer for every increment: a stat already defined costs no allocation.
        let mut name = std::mem::take(&mut self.name);
        for inc in increments(rec, &mut self.cap) {
            inc.write_stat_name(&mut name);
            let id = match self.ids.get(name.as_str()) {
                Some(id) => *id,
                None if self.ids.len() >= MAX_STATS => continue,
                None => match host::define_counter(&name) {
                    Ok(id) => {
                        self.ids.insert(name.clone(), id);
                        id
                    }
                    Err(_) => {
                        self.warn_once();
                        continue;
                    }
                },
            };
            if host::increment(id, inc.by).is_err() {
                self.warn_once();
            }
        }
        self.name = name;
    }

    fn warn_once(&mut self) {
        if !std::mem::replace(&mut self.failed, true) {
            log::warn!(
                "openai-compliance-filter: a metric host call failed; metrics may be incomplete"
            );
        }
    }
}
