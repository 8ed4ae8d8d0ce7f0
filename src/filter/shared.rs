//! The throttles' [`SharedStore`] over proxy-wasm shared data: one store per Envoy `vm_id`,
//! shared by every worker's VM, with the host's compare-and-swap tokens.

use crate::policy::throttle::{SharedStore, StoreError};
use proxy_wasm::hostcalls;
use proxy_wasm::types::Status;

/// Shared data of this VM's `vm_id`.
pub struct HostStore;

impl SharedStore for HostStore {
    fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
        hostcalls::get_shared_data(key).map_err(|_| StoreError::Unavailable)
    }

    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), StoreError> {
        match hostcalls::set_shared_data(key, Some(value), cas) {
            Ok(()) => Ok(()),
            Err(Status::CasMismatch) => Err(StoreError::CasMismatch),
            Err(_) => Err(StoreError::Unavailable),
        }
    }
}
