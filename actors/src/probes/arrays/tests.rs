//! Arrays tests.
