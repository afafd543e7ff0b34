//! Tables, colours, JSON and YAML. Renderers write to any `Write`, take a `Palette`, and read no
//! clock and no global state.

pub mod init;
pub mod list;
pub mod matrix;
pub mod palette;
pub mod table;
pub mod why;

pub use palette::Palette;
