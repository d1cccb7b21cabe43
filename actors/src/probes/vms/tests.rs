//! VMs tests.
