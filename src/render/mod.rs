//! Tables, colours, JSON and YAML. Renderers write to any `Write`, take a `Palette`, and read no
//! clock and no global state.

pub mod palette;

pub use palette::Palette;
