pub mod model;
pub mod selector;

pub use model::*;
