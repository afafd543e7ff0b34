//! Tables, colours, JSON and YAML. Renderers write to any `Write`, take a `Palette`, and read no
//! clock and no global state.

pub mod audit;
pub mod diff;
pub mod escape;
pub mod init;
pub mod list;
pub mod matrix;
pub mod palette;
pub mod table;
pub mod why;

pub use palette::Palette;

/// One YAML document, `---` first, as `kubectl apply -f` reads a stream of them.
pub(crate) fn yaml_document(out: &mut dyn std::io::Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    writeln!(out, "---")?;
    let text = serde_saphyr::to_string(value).map_err(std::io::Error::other)?;
    out.write_all(text.as_bytes())
}
