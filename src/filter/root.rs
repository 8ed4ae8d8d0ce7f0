//! The root context: parses and compiles the policy once per VM in `on_configure`, swaps it in
//! only on success, and hands it to each HTTP context.

use super::{host, http::Http, metrics::Sink, shared::HostStore};
use crate::config::Policy;
use crate::policy::throttle::{self, SharedStore};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;
use std::cell::RefCell;
use std::rc::Rc;

/// The shared-data mark of the start-up line.
const STARTED_KEY: &str = "ocf.started.v1";

/// One per VM (per worker).
#[derive(Default)]
pub struct Root {
    policy: Option<Rc<Policy>>,
    metrics: Option<Rc<RefCell<Sink>>>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_vm_start(&mut self, _vm_configuration_size: usize) -> bool {
        // Which build this is, once per proxy (Envoy starts a VM per worker and more; the
        // first to find no mark in the shared data logs, the mark is set for the others).
        let banner = crate::version::banner();
        if let Ok((None, _)) = HostStore.get(STARTED_KEY) {
            if HostStore.set(STARTED_KEY, banner.as_bytes(), None).is_ok() {
                log::info!("{banner} started");
            }
        }
        true
    }

    fn on_configure(&mut self, _size: usize) -> bool {
        match Policy::from_json(&host::plugin_configuration()) {
            Ok(policy) => {
                log::info!(
                    "openai-compliance-filter {} loaded policy {} ({} rules)",
                    crate::audit::VERSION,
                    policy.digest,
                    policy.detectors.rules().len()
                );
                // Every throttled entry's shared state exists before any request (see
                // `throttle::ensure`); a failure here only means the first requests create it.
                let now = host::now_ms();
                for entry in &policy.controls.projects {
                    if let Some(limits) = &entry.throttle {
                        let key = throttle::key(&entry.name);
                        if throttle::ensure(&HostStore, &key, limits, now).is_err() {
                            log::warn!("openai-compliance-filter: throttle state not created");
                        }
                    }
                }
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
