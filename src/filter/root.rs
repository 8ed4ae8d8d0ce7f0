//! The root context: parses and compiles the policy once per VM in `on_configure`, swaps it in
//! only on success, and hands it to each HTTP context.

use super::{host, http::Http, metrics::Sink};
use crate::config::Policy;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;
use std::cell::RefCell;
use std::rc::Rc;

/// One per VM (per worker).
#[derive(Default)]
pub struct Root {
    policy: Option<Rc<Policy>>,
    metrics: Option<Rc<RefCell<Sink>>>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        match Policy::from_json(&host::plugin_configuration()) {
            Ok(policy) => {
                log::info!(
                    "openai-compliance-filter {} loaded policy {} ({} rules)",
                    crate::audit::VERSION,
                    policy.digest,
                    policy.detectors.rules().len()
                );
                // Counters and their label caps live as long as the VM.
                let cap = policy.audit.max_label_values;
                self.metrics
                    .get_or_insert_with(|| Rc::new(RefCell::new(Sink::new(cap))));
                self.policy = Some(Rc::new(policy));
                true
            }
            Err(e) => {
                // One line naming the JSON path; never the configured value.
                log::error!("openai-compliance-filter: {e}");
                false
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Http::new(
            self.policy.clone(),
            self.metrics.clone(),
        )))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
