//! Calico: its policy objects (`model`), its selector language (`selector`) and its tiers as
//! layers of the pipeline (`layer`).

pub mod layer;
pub mod model;
pub mod selector;

pub use model::*;

#[cfg(test)]
mod tests;
