//! onus: lint Kubernetes manifests against the customer's duties in the shared
//! responsibility model of managed Kubernetes.

pub mod app;
pub mod baseline;
pub mod celx;
pub mod checks;
pub mod cidr;
pub mod cli;
pub mod config;
pub mod discover;
pub mod docs;
pub mod engine;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod index;
pub mod kustomize;
pub mod memory;
pub mod model;
pub mod object;
pub mod objpath;
pub mod path;
pub mod phases;
pub mod pod;
pub mod registry;
pub mod render;
pub mod report;
pub mod rule;
pub mod secrets;
pub mod selector;
pub mod source;
pub mod spool;
pub mod store;
pub mod suppress;
pub mod testing;
pub mod version;
pub mod yaml;
